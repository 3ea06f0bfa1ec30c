/**
 * Property-based fuzzing of whole SMTP sessions over real connections (fast-check, bounded runs):
 * random sequences of valid commands, mutated commands, random octets, DATA and BDAT, written in
 * random pieces. The server must never crash or stall, must answer every complete command line
 * with exactly one reply, must still obey `RSET`/`QUIT` after any junk, and must keep serving.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { type ParsedReply, SmtpDialog } from '../helpers/smtp-dialog.ts';
import { sendSimple } from './support.ts';

const RUNS = 100;

/** Commands that change the framing of what follows; kept out of the line-counting property. */
const FRAMING = /data|bdat|starttls|quit/gi;

/** Octets as a latin1 string (one character per octet). */
const octets = (maxLength: number): fc.Arbitrary<string> =>
  fc
    .array(
      fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) },
        { weight: 1, arbitrary: fc.constantFrom(0x0d, 0x0a, 0x2e, 0x00, 0x20, 0x3a, 0x3c, 0x3e) },
      ),
      { maxLength },
    )
    .map((codes) => String.fromCharCode(...codes));

const address = fc.oneof(
  fc.constantFrom('bob@loft.test', 'bob+x@loft.test', 'nobody@loft.test', 'x@elsewhere.example', ''),
  fc
    .tuple(fc.stringMatching(/^[a-z0-9.+-]{1,12}$/), fc.constantFrom('loft.test', 'example.com'))
    .map(([local, domain]) => `${local}@${domain}`),
);

/** A well-formed command line (without CRLF) that does not change the framing. */
const validCommand: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'EHLO client.example',
    'HELO client.example',
    'RSET',
    'NOOP',
    'HELP',
    'EXPN staff',
    'VRFY bob',
  ),
  fc.constantFrom('EHLO [127.0.0.1]', 'EHLO [IPv6:::1]', 'NOOP hello', 'AUTH PLAIN', 'AUTH PLAIN AGJvYgB4'),
  address.map((a) => `MAIL FROM:<${a}>`),
  fc
    .tuple(
      address,
      fc.constantFrom('SIZE=100', 'BODY=8BITMIME', 'SMTPUTF8', 'RET=HDRS ENVID=a+2Bb', 'SIZE=x', 'FOO'),
    )
    .map(([a, p]) => `MAIL FROM:<${a}> ${p}`),
  address.map((a) => `RCPT TO:<${a}>`),
  address.map((a) => `RCPT TO:<${a}> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;${a}`),
  fc.constantFrom(
    'RCPT TO:<Postmaster>',
    'MAIL FROM:<@a.example,@b.example:x@c.example>',
    'RCPT TO:<"a b"@loft.test>',
  ),
);

/** A valid command damaged: bytes inserted, deleted or replaced, case flipped, truncated. */
const mutatedCommand: fc.Arbitrary<string> = fc
  .tuple(
    validCommand,
    fc.array(
      fc.tuple(
        fc.constantFrom('insert', 'delete', 'replace', 'flip', 'truncate', 'repeat'),
        fc.nat(),
        octets(4),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([line, edits]) => {
    let out = line;
    for (const [kind, at, bytes] of edits) {
      const i = out.length === 0 ? 0 : at % (out.length + 1);
      if (kind === 'insert') out = out.slice(0, i) + bytes + out.slice(i);
      else if (kind === 'delete') out = out.slice(0, i) + out.slice(i + 1 + (at % 5));
      else if (kind === 'replace') out = out.slice(0, i) + bytes + out.slice(i + bytes.length);
      else if (kind === 'flip') out = out.slice(0, i) + out.slice(i).toLowerCase();
      else if (kind === 'truncate') out = out.slice(0, i);
      else out = out.slice(0, i) + out.slice(i).repeat(1 + (at % 40));
    }
    return out;
  });

/** One piece of a command-mode stream: a line (valid, mutated, long), or raw octets. */
const commandPiece: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: validCommand.map((l) => `${l}\r\n`) },
  { weight: 4, arbitrary: mutatedCommand.map((l) => `${l}\r\n`) },
  { weight: 2, arbitrary: mutatedCommand },
  { weight: 2, arbitrary: octets(40) },
  { weight: 1, arbitrary: fc.integer({ min: 400, max: 1500 }).map((n) => `NOOP ${'a'.repeat(n)}\r\n`) },
  { weight: 1, arbitrary: fc.constantFrom('\r\n', '\r', '\n', '\r\r\n', '\n\r\n', '.\r\n', '\x00\r\n') },
);

/** Makes the framing verbs harmless without changing lengths. */
function defuse(text: string): string {
  return text.replace(FRAMING, (word) => `X${word.slice(1)}`);
}

function countCrlf(text: string): number {
  return text.split('\r\n').length - 1;
}

/** Writes `text` (latin1) in pieces of the given sizes, yielding to the event loop between them. */
async function writeInPieces(smtp: SmtpDialog, text: string, sizes: number[]): Promise<void> {
  const bytes = Buffer.from(text, 'latin1');
  let at = 0;
  for (let k = 0; at < bytes.length; k++) {
    const size = sizes.length > 0 ? sizes[k % sizes.length]! : bytes.length;
    smtp.write(bytes.subarray(at, at + size));
    at += size;
    if (k % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Every reply until the server closes the connection. */
async function allReplies(smtp: SmtpDialog): Promise<ParsedReply[]> {
  const replies: ParsedReply[] = [];
  for (;;) {
    const reply = await smtp.reply(10_000);
    if (!reply) return replies;
    replies.push(reply);
  }
}

/** Checks what every run must satisfy, whatever was sent. */
function checkSession(replies: ParsedReply[], sentLines: number): void {
  const codes = replies.map((r) => r.code);
  assert.equal(codes[0], 220, 'greeting first');
  assert.equal(codes.at(-1), 221, `QUIT answered last: ${codes.join(' ')}`);
  assert.ok(!codes.includes(421), 'no 421: the session did not time out, fail or close early');
  assert.ok(!codes.includes(451), 'no internal error');
  assert.ok(replies.length <= 1 + sentLines, 'never more replies than command lines');
  for (const r of replies) assert.ok(r.code >= 200 && r.code <= 599);
}

const RECOVERY = '\r\nRSET\r\nQUIT\r\n';

describe('fuzzing whole SMTP sessions', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ smtp: { max_errors: 1_000_000, max_message_size: 5000 } });
    await provision(server, ['loft.test'], ['bob@loft.test']);
  });
  after(() => server.close());

  test('every complete command line gets exactly one reply, whatever the junk', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(commandPiece, { maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 8 }),
        async (greet, pieces, sizes) => {
          const stream = (greet ? 'EHLO fuzz.example\r\n' : '') + defuse(pieces.join('')) + RECOVERY;
          const smtp = await SmtpDialog.connect(server.ports.smtp!);
          try {
            await writeInPieces(smtp, stream, sizes);
            const replies = await allReplies(smtp);
            checkSession(replies, countCrlf(stream));
            // One reply per CRLF-ended line, plus the greeting.
            assert.equal(replies.length, 1 + countCrlf(stream), replies.map((r) => r.code).join(' '));
            assert.equal(replies.at(-2)?.code, 250, 'RSET answered');
          } finally {
            smtp.close();
          }
        },
      ),
      { numRuns: RUNS },
    );
    assert.equal(
      await sendSimple(server.ports.smtp!, 'bob@loft.test'),
      250,
      'a fresh connection still works',
    );
  });

  test('sessions with DATA and BDAT among the junk stay in step and end cleanly', async () => {
    const transaction = fc
      .constantFrom('bob@loft.test', 'nobody@loft.test')
      .map((to) => `MAIL FROM:<sender@example.com>\r\nRCPT TO:<${to}>\r\n`);
    const content = fc
      .array(
        fc.oneof(
          octets(30),
          fc.constantFrom('Subject: fuzz', '.', '..', '.\n', '\r.\r', '\n.\n', '\r\n.\r', 'x'.repeat(1200)),
        ),
        { maxLength: 8 },
      )
      .map((lines) => defuse(lines.join('\r\n')));
    const unit = fc.oneof(
      { weight: 3, arbitrary: commandPiece.map((p) => `${defuse(p)}\r\n`) },
      { weight: 3, arbitrary: transaction },
      { weight: 2, arbitrary: content.map((c) => `DATA\r\n${c}\r\n.\r\n`) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(octets(300), fc.boolean())
          .map(([bytes, last]) => `BDAT ${bytes.length}${last ? ' LAST' : ''}\r\n${bytes}`),
      },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(unit, { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 8 }),
        async (units, sizes) => {
          const stream = `EHLO fuzz.example\r\n${units.join('')}${RECOVERY}`;
          const smtp = await SmtpDialog.connect(server.ports.smtp!);
          try {
            await writeInPieces(smtp, stream, sizes);
            checkSession(await allReplies(smtp), countCrlf(stream));
          } finally {
            smtp.close();
          }
        },
      ),
      { numRuns: RUNS },
    );
    assert.equal(
      await sendSimple(server.ports.smtp!, 'bob@loft.test'),
      250,
      'a fresh connection still works',
    );
  });

  test('random octets on every port, then a clean connection', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('smtp', 'submission') as fc.Arbitrary<'smtp' | 'submission'>,
        octets(2000),
        async (port, junk) => {
          const smtp = await SmtpDialog.connect(server.ports[port]!);
          try {
            const stream = defuse(junk) + RECOVERY;
            smtp.write(Buffer.from(stream, 'latin1'));
            checkSession(await allReplies(smtp), countCrlf(stream));
          } finally {
            smtp.close();
          }
        },
      ),
      { numRuns: RUNS },
    );
    assert.equal(await sendSimple(server.ports.smtp!, 'bob@loft.test'), 250);
  });
});
