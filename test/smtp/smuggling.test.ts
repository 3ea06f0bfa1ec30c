/**
 * SMTP smuggling (CVE-2023-51764, -51765, -51766) and bare line ends against the real server:
 * only CRLF "." CRLF ends DATA and only CRLF ends a command line (RFC 5321 §2.3.8, §4.1.1.4).
 * Each end-of-data look-alike is followed by a whole smuggled transaction; a server that took the
 * look-alike for the end would store two messages and answer the smuggled commands.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import type { SmtpDialog } from '../helpers/smtp-dialog.ts';
import { counts, greeted, headerSection } from './support.ts';

/**
 * The end-of-data look-alikes of the SEC Consult research, the Postfix smtp-smuggling page and
 * the smtpsmug tool (the list of test/proto/smtp/data-decoder.test.ts), each placed after a line
 * of the real message. `start` puts it at the very start of the data instead.
 */
const VARIANTS: { name: string; seq: string; start?: boolean }[] = [
  { name: 'LF . LF', seq: '\n.\n' },
  { name: 'LF . CR LF', seq: '\n.\r\n' },
  { name: 'CR . CR', seq: '\r.\r' },
  { name: 'CR . LF', seq: '\r.\n' },
  { name: 'CR LF . LF', seq: '\r\n.\n' },
  { name: 'CR LF . CR', seq: '\r\n.\r' },
  { name: 'LF . CR', seq: '\n.\r' },
  { name: 'CR . CR LF', seq: '\r.\r\n' },
  { name: 'CR LF NUL . CR LF', seq: '\r\n\x00.\r\n' },
  { name: 'CR LF . NUL CR LF', seq: '\r\n.\x00\r\n' },
  { name: 'CR LF . CR CR LF', seq: '\r\n.\r\r\n' },
  { name: 'CR LF .. CR LF (dot-stuffed)', seq: '\r\n..\r\n' },
  { name: '. LF at the start of the data', seq: '.\n', start: true },
];

/** A whole second transaction, ended by the one real CRLF "." CRLF. */
const SMUGGLED =
  'MAIL FROM:<x@evil.example>\r\nRCPT TO:<bob@loft.test>\r\nDATA\r\n' +
  'From: x@evil.example\r\nSubject: smuggled\r\n\r\nsmuggled body\r\n.\r\n';

function payload(variant: { seq: string; start?: boolean }): string {
  const real = 'From: alice@loft.test\r\nSubject: real\r\n\r\nhello';
  return variant.start ? `${variant.seq}${SMUGGLED}` : `${real}${variant.seq}${SMUGGLED}`;
}

/** True when the look-alike holds a CR or LF outside a CRLF pair. */
function hasBareLineEnd(seq: string): boolean {
  return /\r(?!\n)|(?<!\r)\n/.test(seq);
}

/** Opens a transaction for alice on the MX port and sends the DATA command. */
async function openData(server: TestServer): Promise<SmtpDialog> {
  const smtp = await greeted(server.ports.smtp!);
  await smtp.command('MAIL FROM:<sender@example.com>', 250);
  await smtp.command('RCPT TO:<alice@loft.test>', 250);
  await smtp.command('DATA', 354);
  return smtp;
}

/** Writes the bytes one at a time with a turn of the event loop between, so they arrive split. */
async function trickle(smtp: SmtpDialog, text: string): Promise<void> {
  for (const byte of Buffer.from(text, 'latin1')) {
    smtp.write(Buffer.from([byte]));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

for (const mode of ['normalize', 'reject'] as const) {
  describe(`SMTP smuggling with smtp.bare_line_ends = "${mode}"`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ smtp: { bare_line_ends: mode } });
      await provision(server, ['loft.test'], ['alice@loft.test', 'bob@loft.test']);
    });
    after(() => server.close());

    for (const variant of VARIANTS) {
      const refused = mode === 'reject' && hasBareLineEnd(variant.seq);
      test(`${variant.name}: ${refused ? 'refused, nothing stored' : 'one message, nothing smuggled'}`, async () => {
        const [aliceBefore = 0, bobBefore = 0] = await counts(server, ['alice@loft.test', 'bob@loft.test']);
        const smtp = await openData(server);
        // In one mode the bytes go in one write, in the other split byte by byte.
        if (mode === 'normalize') await trickle(smtp, payload(variant));
        else smtp.write(Buffer.from(payload(variant), 'latin1'));
        smtp.send('QUIT');
        if (refused) await smtp.expect(554, /^5\.6\.0 /);
        else await smtp.expect(250, /^2\.0\.0 /);
        // The smuggled MAIL, RCPT and DATA got no reply: the next one answers QUIT.
        await smtp.expect(221);
        assert.ok(await smtp.closedByServer());

        const [aliceAfter, bobAfter] = await counts(server, ['alice@loft.test', 'bob@loft.test']);
        assert.equal(bobAfter, bobBefore, 'the smuggled recipient got nothing');
        assert.equal(aliceAfter, aliceBefore + (refused ? 0 : 1), 'at most one message stored');
        if (refused) return;
        const stored = (await mailboxContents(server, 'alice@loft.test')).at(-1)!;
        const head = headerSection(stored);
        const text = stored.toString('latin1');
        assert.doesNotMatch(head, /smuggled|evil/, 'the smuggled headers did not start a message');
        if (variant.start) {
          assert.match(text, /^[\s\S]*\r\nMAIL FROM:<x@evil\.example>\r\n/, 'the smuggled text is body');
        } else {
          assert.match(head, /^From: alice@loft\.test\r\nSubject: real\r\n$/);
          assert.match(text, /\r\n\r\nhello[\s\S]*MAIL FROM:<x@evil\.example>\r\n[\s\S]*smuggled body\r\n$/);
        }
        if (mode === 'normalize') {
          assert.doesNotMatch(text, /\r(?!\n)|(?<!\r)\n/, 'stored with CRLF line ends only');
        }
      });
    }
  });
}

describe('bare CR and LF elsewhere', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await provision(server, ['loft.test'], ['alice@loft.test', 'bob@loft.test']);
  });
  after(() => server.close());

  test('a bare LF never ends a command line: the whole line is refused with 500 5.5.2', async () => {
    const smtp = await greeted(server.ports.smtp!);
    smtp.write('MAIL FROM:<a@b.example>\nRCPT TO:<alice@loft.test>\r\n');
    await smtp.expect(500, /^5\.5\.2 /);
    // Neither half ran: no transaction is open.
    await smtp.command('RCPT TO:<alice@loft.test>', 503, /^5\.5\.1 /);
    await smtp.command('NOOP', 250);
    smtp.close();
  });

  test('a bare CR never ends a command line either', async () => {
    const smtp = await greeted(server.ports.smtp!);
    smtp.write('RSET\rMAIL FROM:<a@b.example>\r\n');
    await smtp.expect(500, /^5\.5\.2 /);
    await smtp.command('RCPT TO:<alice@loft.test>', 503);
    smtp.close();
  });

  test('a line ended by LF alone waits for a CRLF and is refused with what follows', async () => {
    const smtp = await greeted(server.ports.smtp!);
    smtp.write('NOOP\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    smtp.write('NOOP\r\n');
    await smtp.expect(500, /^5\.5\.2 /);
    await smtp.command('NOOP', 250, /^2\.0\.0 OK/);
    smtp.close();
  });

  test('a bare line end inside an EHLO, MAIL or RCPT line refuses the line, the session goes on', async () => {
    const smtp = await greeted(server.ports.smtp!);
    smtp.write('EHLO evil.example\rX\r\n');
    await smtp.expect(500);
    await smtp.command('MAIL FROM:<sender@example.com>', 250);
    smtp.write('RCPT TO:<alice@loft.test>\nRCPT TO:<bob@loft.test>\r\n');
    await smtp.expect(500);
    await smtp.command('DATA', 554, /No valid recipients/);
    smtp.close();
  });

  test('BDAT content is octets: an end-of-data sequence inside a chunk smuggles nothing', async () => {
    const [aliceBefore = 0, bobBefore = 0] = await counts(server, ['alice@loft.test', 'bob@loft.test']);
    const smtp = await greeted(server.ports.smtp!);
    await smtp.command('MAIL FROM:<sender@example.com>', 250);
    await smtp.command('RCPT TO:<alice@loft.test>', 250);
    const chunk = `Subject: real\r\n\r\nhello\r\n.\r\n${SMUGGLED}`;
    smtp.write(`BDAT ${Buffer.byteLength(chunk)} LAST\r\n${chunk}QUIT\r\n`);
    await smtp.expect(250);
    await smtp.expect(221);
    assert.deepEqual(await counts(server, ['alice@loft.test', 'bob@loft.test']), [
      aliceBefore + 1,
      bobBefore,
    ]);
    const stored = (await mailboxContents(server, 'alice@loft.test')).at(-1)!.toString('latin1');
    assert.ok(stored.endsWith(`hello\r\n.\r\n${SMUGGLED}`), 'BDAT content is stored as sent, dots included');
  });
});
