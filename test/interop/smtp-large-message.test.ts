/**
 * A 20 MB message end to end: with BDAT (RFC 3030 CHUNKING) in chunks of odd sizes, all
 * pipelined, and with DATA (dot-stuffed). None of the real clients here speak BDAT, so this is
 * a small raw client over the scripted dialogue. The stored message must be the sent bytes
 * after Loft's two trace fields.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { type ParsedReply, SmtpDialog } from '../helpers/smtp-dialog.ts';
import { splitTrace } from './tools.ts';

const SIZE = 20 * 1024 * 1024;

let server: TestServer;
let message: Buffer;

before(async () => {
  server = await startTestServer();
  await provision(server, ['loft.test'], ['alice@loft.test', 'bob@loft.test']);
  message = buildMessage(SIZE);
});
after(() => server.close());

/**
 * A deterministic message of exactly `size` octets, CRLF line ends, every line under the
 * 1000-octet limit, with the lines a transfer can get wrong: ".", "..", ".x" (dot-stuffing),
 * empty lines, 8-bit UTF-8, and a fake "\r\n.\r\n" terminator inside BDAT content.
 */
function buildMessage(size: number): Buffer {
  const head = Buffer.from(
    'From: alice@loft.test\r\nTo: bob@loft.test\r\nSubject: twenty megabytes\r\nMIME-Version: 1.0\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n',
  );
  const specials = ['.', '..', '.leading dot', '', 'Grüße – ünïcödé ✓', '...', ' .', 'From the start'];
  const parts: Buffer[] = [head];
  let length = head.length;
  let seed = 12345;
  const next = (): number => {
    // xorshift32: reproducible lengths and characters.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 +/=-_';
  let pool = '';
  for (let i = 0; i < 65_536; i++) pool += alphabet[next() % alphabet.length];
  let lineNo = 0;
  while (length < size) {
    const r = next();
    const len = r % 990;
    const start = (r >>> 10) % (pool.length - len);
    const line = lineNo++ % 7 === 0 ? specials[r % specials.length]! : pool.slice(start, start + len);
    const bytes = Buffer.from(`${line}\r\n`);
    parts.push(bytes);
    length += bytes.length;
  }
  const all = Buffer.concat(parts);
  // Trim to exactly `size` octets, still ending with CRLF.
  const trimmed = all.subarray(0, size);
  trimmed[size - 2] = 0x0d;
  trimmed[size - 1] = 0x0a;
  if (trimmed[size - 3] === 0x0d) trimmed[size - 3] = 0x78;
  return trimmed;
}

/** Reads a reply with a longer timeout (storing 20 MB takes a moment) and checks its code. */
async function expectReply(
  smtp: SmtpDialog,
  code: number,
  pattern?: RegExp,
  timeoutMs = 120_000,
): Promise<ParsedReply> {
  const reply = await smtp.reply(timeoutMs);
  assert.ok(reply, `expected ${code}, but the connection closed`);
  assert.equal(reply.code, code, `expected ${code}, got ${reply.code} ${reply.text}`);
  if (pattern) assert.match(reply.text, pattern);
  return reply;
}

/**
 * Chunk sizes that cover the whole message: 1 MiB, tiny and odd sizes, one boundary inside a
 * CRLF pair, one just before a line that is a single ".", the rest in varying sizes.
 */
function chunkSizes(content: Buffer): number[] {
  const cuts = new Set<number>([1024 * 1024, 1024 * 1024 + 1, 1024 * 1024 + 3]);
  const crlf = content.indexOf('\r\n', 3 * 1024 * 1024);
  cuts.add(crlf + 1); // between CR and LF
  const dotLine = content.indexOf('\r\n.\r\n', 5 * 1024 * 1024);
  cuts.add(dotLine + 2); // the next chunk starts with ".\r\n"
  cuts.add(dotLine + 3); // the next chunk starts with "\r\n" after a lone "."
  let at = 6 * 1024 * 1024;
  let step = 999_983;
  while (at < content.length - 70_000) {
    cuts.add(at);
    at += step;
    step = step === 999_983 ? 65_537 : step === 65_537 ? 2_097_169 : 999_983;
  }
  const sorted = [...cuts].filter((c) => c > 0 && c < content.length).sort((a, b) => a - b);
  const sizes: number[] = [];
  let previous = 0;
  for (const cut of sorted) {
    sizes.push(cut - previous);
    previous = cut;
  }
  sizes.push(content.length - previous);
  return sizes;
}

/** RFC 5321 §4.5.2 transparency, written independently of Loft's encoder. */
function dotStuff(content: Buffer): Buffer {
  const lines = content.toString('latin1').split('\r\n');
  return Buffer.from(lines.map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n'), 'latin1');
}

describe('a 20 MB message', () => {
  test('the generated message has the shape the test relies on', () => {
    assert.equal(message.length, SIZE);
    assert.ok(message.subarray(-2).equals(Buffer.from('\r\n')));
    assert.ok(message.includes('\r\n.\r\n'), 'contains a lone-dot line');
    assert.ok(message.includes('\r\n..\r\n'));
    assert.ok(message.includes('Grüße'));
    for (const line of message.toString('latin1').split('\r\n')) assert.ok(line.length <= 998);
  });

  test('BDAT in pipelined chunks of varying size, the last with LAST: stored byte-exact', async () => {
    const sizes = chunkSizes(message);
    assert.ok(sizes.length >= 10, `several chunks (${sizes.length})`);
    assert.ok(
      sizes.some((s) => s === 1),
      'a one-octet chunk',
    );
    const smtp = await SmtpDialog.connect(server.ports.smtp!);
    await smtp.expect(220);
    const ehlo = await smtp.command('EHLO bdat.client.test', 250);
    assert.ok(ehlo.lines.includes('CHUNKING'), 'CHUNKING is offered');
    // RFC 3030 §4.2 with RFC 2920: envelope and every chunk in one go, replies read afterwards.
    smtp.write(
      `MAIL FROM:<sender@elsewhere.example> BODY=8BITMIME SIZE=${message.length}\r\nRCPT TO:<bob@loft.test>\r\n`,
    );
    let offset = 0;
    sizes.forEach((size, i) => {
      const last = i === sizes.length - 1;
      smtp.write(
        Buffer.concat([
          Buffer.from(`BDAT ${size}${last ? ' LAST' : ''}\r\n`),
          message.subarray(offset, offset + size),
        ]),
      );
      offset += size;
    });
    assert.equal(offset, message.length);
    await expectReply(smtp, 250, /^2\.1\.0 /);
    await expectReply(smtp, 250, /^2\.1\.5 /);
    for (const size of sizes.slice(0, -1))
      await expectReply(smtp, 250, new RegExp(`^2\\.0\\.0 ${size} octets received`));
    await expectReply(smtp, 250, /^2\.0\.0 OK: queued as \S+/);
    await smtp.command('QUIT', 221);

    const stored = splitTrace((await mailboxContents(server, 'bob@loft.test')).at(-1)!);
    assert.equal(stored.returnPath, 'Return-Path: <sender@elsewhere.example>');
    assert.match(
      stored.received,
      /^Received: from bdat\.client\.test \(\[127\.0\.0\.1\]\) by mx\.loft\.test/,
    );
    assert.equal(stored.content.length, message.length);
    assert.ok(
      stored.content.equals(message),
      `stored content differs at ${firstDifference(stored.content, message)}`,
    );
  });

  test('the same 20 MB through DATA (dot-stuffed): stored byte-exact', async () => {
    const stuffed = dotStuff(message);
    assert.ok(stuffed.length > message.length, 'some lines needed stuffing');
    const smtp = await SmtpDialog.connect(server.ports.submission!);
    await smtp.expect(220);
    await smtp.command('EHLO data.client.test', 250);
    await smtp.command('STARTTLS', 220);
    await smtp.startTls();
    await smtp.command('EHLO data.client.test', 250);
    await smtp.command(`AUTH PLAIN ${Buffer.from('\0alice@loft.test\0secret').toString('base64')}`, 235);
    smtp.write(
      `MAIL FROM:<alice@loft.test> BODY=8BITMIME SIZE=${message.length}\r\nRCPT TO:<alice@loft.test>\r\nDATA\r\n`,
    );
    await expectReply(smtp, 250);
    await expectReply(smtp, 250);
    await expectReply(smtp, 354);
    smtp.write(Buffer.concat([stuffed, Buffer.from('.\r\n')]));
    await expectReply(smtp, 250, /^2\.0\.0 OK: queued as \S+/);
    await smtp.command('QUIT', 221);

    const stored = splitTrace((await mailboxContents(server, 'alice@loft.test')).at(-1)!);
    assert.equal(stored.returnPath, 'Return-Path: <alice@loft.test>');
    assert.match(stored.received, /with ESMTPSA \(TLSv1\.[23] /);
    assert.equal(stored.content.length, message.length);
    assert.ok(
      stored.content.equals(message),
      `stored content differs at ${firstDifference(stored.content, message)}`,
    );
  });
});

function firstDifference(a: Buffer, b: Buffer): string {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) {
      const show = (x: Buffer): string =>
        JSON.stringify(x.subarray(Math.max(0, i - 20), i + 20).toString('latin1'));
      return `offset ${i}: got ${show(a)}, expected ${show(b)}`;
    }
  }
  return `length ${a.length} vs ${b.length}`;
}
