/**
 * Limits against the real server: command and text line lengths (RFC 5321 §4.5.3.1.4, §4.5.3.1.6),
 * message size (RFC 1870) by DATA, BDAT and MAIL SIZE=, recipients (§4.5.3.1.10), errors per
 * session, the command timeout (§4.5.3.2.7) and connections per client IP.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { SmtpDialog } from '../helpers/smtp-dialog.ts';
import { counts, eventually, greeted } from './support.ts';

const MAX_SIZE = 3000;

/** A message of exactly `size` octets (CRLF line ends, no line starting with "."). */
function messageOfSize(size: number): string {
  let text = 'Subject: size\r\n\r\n';
  while (text.length + 80 <= size) text += `${'y'.repeat(78)}\r\n`;
  const rest = size - text.length;
  if (rest >= 3) text += `${'z'.repeat(rest - 2)}\r\n`;
  else text = text.replace(/^Subject: size/, `Subject: size${'s'.repeat(rest)}`);
  assert.equal(text.length, size);
  return text;
}

describe('line, size and recipient limits', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ smtp: { max_message_size: MAX_SIZE } });
    await provision(server, ['loft.test'], ['bob@loft.test']);
  });
  after(() => server.close());

  test('a command line of 512 octets is read, 513 gets 500 5.5.2, and the session goes on', async () => {
    const smtp = await greeted(server.ports.smtp!);
    await smtp.command(`NOOP ${'a'.repeat(512 - 7)}`, 250);
    await smtp.command(`NOOP ${'a'.repeat(513 - 7)}`, 500, /^5\.5\.2 Line too long/);
    await smtp.command('NOOP', 250);
    // A very long line (200 kB) gets one reply, not one per 512 octets.
    smtp.write(`MAIL FROM:<${'a'.repeat(200_000)}@example.com>\r\nNOOP\r\n`);
    await smtp.expect(500, /^5\.5\.2 /);
    await smtp.expect(250);
    await smtp.command('MAIL FROM:<sender@example.com>', 250, /^2\.1\.0 /);
    smtp.close();
  });

  test('a message line of 1000 octets is accepted, 1001 refused with 554 5.3.4 and nothing stored', async () => {
    const [before] = await counts(server, ['bob@loft.test']);
    const smtp = await greeted(server.ports.smtp!);
    const send = async (line: string): Promise<void> => {
      await smtp.command('MAIL FROM:<sender@example.com>', 250);
      await smtp.command('RCPT TO:<bob@loft.test>', 250);
      await smtp.command('DATA', 354);
      smtp.write(`Subject: long\r\n\r\n${line}\r\n.\r\n`);
    };
    await send('x'.repeat(999));
    await smtp.expect(554, /^5\.3\.4 /);
    assert.deepEqual(await counts(server, ['bob@loft.test']), [before]);
    // The session goes on: the next transaction on the same connection works.
    await send('x'.repeat(998));
    await smtp.expect(250);
    // A dot-stuffed line counts without its stuffing dot (RFC 5321 §4.5.3.1.6).
    await send(`..${'x'.repeat(997)}`);
    await smtp.expect(250);
    await smtp.command('QUIT', 221);
    const stored = await mailboxContents(server, 'bob@loft.test');
    assert.equal(stored.length, before! + 2);
    assert.ok(
      stored
        .at(-1)!
        .toString()
        .endsWith(`\r\n.${'x'.repeat(997)}\r\n`),
    );
  });

  test('DATA over smtp.max_message_size gets 552 5.3.4; exactly the maximum is accepted', async () => {
    const [before] = await counts(server, ['bob@loft.test']);
    const smtp = await greeted(server.ports.smtp!);
    for (const size of [MAX_SIZE + 1, 10 * MAX_SIZE, MAX_SIZE]) {
      await smtp.command('MAIL FROM:<sender@example.com>', 250);
      await smtp.command('RCPT TO:<bob@loft.test>', 250);
      await smtp.command('DATA', 354);
      smtp.write(`${messageOfSize(size)}.\r\n`);
      if (size > MAX_SIZE) await smtp.expect(552, /^5\.3\.4 /);
      else await smtp.expect(250);
    }
    await smtp.command('QUIT', 221);
    const stored = await mailboxContents(server, 'bob@loft.test');
    assert.equal(stored.length, before! + 1);
    assert.ok(stored.at(-1)!.toString().endsWith(messageOfSize(MAX_SIZE)));
  });

  test('BDAT over the maximum gets 552 5.3.4, in the LAST chunk or an earlier one', async () => {
    const [before] = await counts(server, ['bob@loft.test']);
    const smtp = await greeted(server.ports.smtp!);
    const open = async (): Promise<void> => {
      await smtp.command('MAIL FROM:<sender@example.com>', 250);
      await smtp.command('RCPT TO:<bob@loft.test>', 250);
    };
    const big = messageOfSize(MAX_SIZE + 1);
    await open();
    smtp.write(`BDAT ${big.length} LAST\r\n${big}`);
    await smtp.expect(552, /^5\.3\.4 /);
    // Over the limit in a middle chunk: refused at once, the transaction is gone.
    await open();
    smtp.write(`BDAT 2000\r\n${big.slice(0, 2000)}`);
    await smtp.expect(250);
    smtp.write(`BDAT ${big.length - 2000}\r\n${big.slice(2000)}`);
    await smtp.expect(552, /^5\.3\.4 /);
    smtp.write('BDAT 0 LAST\r\n');
    await smtp.expect(503);
    // Exactly the maximum, in two chunks.
    const fits = messageOfSize(MAX_SIZE);
    await open();
    smtp.write(`BDAT 1000\r\n${fits.slice(0, 1000)}BDAT ${fits.length - 1000} LAST\r\n${fits.slice(1000)}`);
    await smtp.expect(250);
    await smtp.expect(250);
    await smtp.command('QUIT', 221);
    const stored = await mailboxContents(server, 'bob@loft.test');
    assert.equal(stored.length, before! + 1);
    assert.ok(stored.at(-1)!.toString().endsWith(fits));
  });

  test('MAIL FROM with SIZE= over the maximum gets 552 5.3.4 (RFC 1870 §6.3)', async () => {
    const smtp = await greeted(server.ports.smtp!);
    await smtp.command(`MAIL FROM:<sender@example.com> SIZE=${MAX_SIZE + 1}`, 552, /^5\.3\.4 /);
    await smtp.command('MAIL FROM:<sender@example.com> SIZE=99999999999999', 552);
    await smtp.command(`MAIL FROM:<sender@example.com> SIZE=${MAX_SIZE}`, 250);
    const ehlo = await smtp.command('EHLO client.example', 250);
    assert.ok(ehlo.lines.includes(`SIZE ${MAX_SIZE}`), 'the limit is advertised');
    smtp.close();
  });

  test('the 101st recipient gets 452 4.5.3; the message goes to the first hundred', async () => {
    const [before] = await counts(server, ['bob@loft.test']);
    const smtp = await greeted(server.ports.smtp!);
    await smtp.command('MAIL FROM:<sender@example.com>', 250);
    // Distinct subaddresses of one account, pipelined (RFC 2920).
    let batch = '';
    for (let i = 1; i <= 101; i++) batch += `RCPT TO:<bob+${i}@loft.test>\r\n`;
    smtp.write(batch);
    for (let i = 1; i <= 100; i++) await smtp.expect(250, /^2\.1\.5 /);
    await smtp.expect(452, /^4\.5\.3 /);
    await smtp.command('RCPT TO:<bob+102@loft.test>', 452);
    await smtp.command('DATA', 354);
    smtp.write('Subject: many\r\n\r\nhi\r\n.\r\n');
    await smtp.expect(250);
    await smtp.command('QUIT', 221);
    assert.deepEqual(await counts(server, ['bob@loft.test']), [before! + 1], 'one copy for one account');
  });

  test('recipients over the limit are not session errors: 150 pipelined RCPTs still deliver', async () => {
    // RFC 5321 §4.5.3.1.10: 452 tells the client to send the other recipients in a later
    // transaction; counting each as an error (smtp.max_errors = 20) would drop the whole session.
    const [before] = await counts(server, ['bob@loft.test']);
    const smtp = await greeted(server.ports.smtp!);
    let batch = 'MAIL FROM:<sender@example.com>\r\n';
    for (let i = 1; i <= 150; i++) batch += `RCPT TO:<bob+${i}@loft.test>\r\n`;
    smtp.write(batch);
    await smtp.expect(250);
    for (let i = 1; i <= 100; i++) await smtp.expect(250, /^2\.1\.5 /);
    for (let i = 101; i <= 150; i++) await smtp.expect(452, /^4\.5\.3 /);
    await smtp.command('DATA', 354);
    smtp.write('Subject: many\r\n\r\nhi\r\n.\r\n');
    await smtp.expect(250);
    await smtp.command('QUIT', 221);
    assert.deepEqual(await counts(server, ['bob@loft.test']), [before! + 1]);
  });
});

describe('max_text_line = 0', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ smtp: { max_text_line: 0 } });
    await provision(server, ['loft.test'], ['bob@loft.test']);
  });
  after(() => server.close());

  test('disables the text line limit', async () => {
    const smtp = await greeted(server.ports.smtp!);
    await smtp.command('MAIL FROM:<sender@example.com>', 250);
    await smtp.command('RCPT TO:<bob@loft.test>', 250);
    await smtp.command('DATA', 354);
    const line = 'x'.repeat(20_000);
    smtp.write(`Subject: long\r\n\r\n${line}\r\n.\r\n`);
    await smtp.expect(250);
    smtp.close();
    const stored = await mailboxContents(server, 'bob@loft.test');
    assert.ok(stored.at(-1)!.toString().endsWith(`\r\n\r\n${line}\r\n`));
  });
});

describe('sessions that misbehave are closed', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ smtp: { max_errors: 3, command_timeout: 1, data_timeout: 1 } });
    await provision(server, ['loft.test'], ['bob@loft.test']);
  });
  after(() => server.close());

  test('smtp.max_errors errors end the session with 421', async () => {
    const smtp = await SmtpDialog.connect(server.ports.smtp!);
    await smtp.expect(220);
    await smtp.command('FOO', 500);
    await smtp.command('MAIL FROM:<a@b.example>', 503);
    smtp.send('BAR');
    await smtp.expect(500);
    await smtp.expect(421, /^4\.7\.0 /);
    assert.ok(await smtp.closedByServer());
  });

  test('an idle client is closed with 421 4.4.2 after smtp.command_timeout', async () => {
    const smtp = await SmtpDialog.connect(server.ports.smtp!);
    const started = Date.now();
    await smtp.expect(220);
    await smtp.expect(421, /^4\.4\.2 /);
    assert.ok(Date.now() - started >= 900, 'not before the timeout');
    assert.ok(await smtp.closedByServer());
  });

  test('half a command line does not hold the session open', async () => {
    const smtp = await greeted(server.ports.smtp!);
    smtp.write('MAIL FROM:<sender@exam');
    await smtp.expect(421, /^4\.4\.2 /);
    assert.ok(await smtp.closedByServer());
  });

  test('a stalled DATA is closed after smtp.data_timeout and nothing is stored', async () => {
    const [before] = await counts(server, ['bob@loft.test']);
    const smtp = await greeted(server.ports.smtp!);
    await smtp.command('MAIL FROM:<sender@example.com>', 250);
    await smtp.command('RCPT TO:<bob@loft.test>', 250);
    await smtp.command('DATA', 354);
    smtp.write('Subject: stalled\r\n\r\nhalf a mess');
    await smtp.expect(421, /^4\.4\.2 /);
    assert.ok(await smtp.closedByServer());
    assert.deepEqual(await counts(server, ['bob@loft.test']), [before]);
  });
});

describe('limits.connections_per_ip', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ limits: { connections_per_ip: 2 } });
  });
  after(() => server.close());

  test('the connection over the limit gets 421 and is closed; a freed slot is reused', async () => {
    const first = await SmtpDialog.connect(server.ports.smtp!);
    await first.expect(220);
    const second = await SmtpDialog.connect(server.ports.submission!);
    await second.expect(220);
    // The limit counts across listeners.
    const third = await SmtpDialog.connect(server.ports.smtp!);
    await third.expect(421, /^4\.7\.0 .*too many connections/);
    assert.ok(await third.closedByServer());
    // Implicit TLS listeners cannot say 421 before the handshake: the socket is just closed.
    const tlsRefused = await new Promise<boolean>((resolve) => {
      const socket = net.connect(server.ports.submissions!, '127.0.0.1');
      socket.on('error', () => {});
      socket.on('data', () => resolve(false));
      socket.on('close', () => resolve(true));
    });
    assert.ok(tlsRefused);
    await first.command('QUIT', 221);
    assert.ok(await first.closedByServer());
    const again = await eventually(async () => {
      const next = await SmtpDialog.connect(server.ports.smtp!);
      const reply = await next.reply();
      next.close();
      return reply?.code === 220;
    });
    assert.ok(again, 'the slot of a closed connection is released');
    second.close();
  });
});
