/**
 * BINARY (RFC 3516, RFC 9051 §6.4.5) against a real server, byte for byte: decoded data that
 * holds NUL goes out as a literal8 `~{n}` (RFC 3516 §4.2), other data as a plain literal, and
 * BINARY.SIZE matches; APPEND of a literal8 (RFC 3516 §4.4) is stored as given unless it holds
 * NUL, which Loft could not serve back in BODY[] or RFC822, so it is refused NO [UNKNOWN-CTE].
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { ImapDialog } from './dialog.ts';

// Bytes with NUL in the middle and at the end, and a text part without any.
const PAYLOAD = Buffer.from([0x41, 0x00, 0x42, 0xff, 0x0d, 0x0a, 0x00, 0x43, 0x00]);
const MESSAGE = Buffer.from(
  [
    'From: a@loft.test',
    'Subject: binary',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain',
    '',
    'plain words',
    '--b',
    'Content-Type: application/octet-stream',
    'Content-Transfer-Encoding: base64',
    '',
    PAYLOAD.toString('base64'),
    '--b--',
    '',
  ].join('\r\n'),
);

let server: TestServer;
let port: number;

before(async () => {
  server = await startTestServer();
  await provision(server, ['loft.test'], ['bin@loft.test']);
  port = server.ports.imap!;
  const imap = await ImapDialog.login(port, 'bin@loft.test');
  imap.write(`a1 APPEND INBOX {${MESSAGE.length}+}\r\n`);
  imap.write(Buffer.concat([MESSAGE, Buffer.from('\r\n')]));
  assert.match((await imap.until('a1')).tagged, /^a1 OK /);
  await imap.logout();
});
after(() => server.close());

/** The first response's octets, after which the rest up to `tag`'s completion is read. */
async function raw(imap: ImapDialog, tag: string): Promise<Buffer> {
  const first = await imap.responseBytes();
  assert.ok(first);
  await imap.until(tag);
  return first;
}

describe('FETCH BINARY of content holding NUL', () => {
  test('is sent as a literal8 ~{n} with the decoded octets; BINARY.SIZE agrees', async () => {
    const imap = await ImapDialog.login(port, 'bin@loft.test');
    await imap.ok('SELECT INBOX');
    imap.send('f1 FETCH 1 (BINARY.PEEK[2] BINARY.SIZE[2])');
    const bytes = await raw(imap, 'f1');
    const expected = Buffer.concat([
      Buffer.from(`* 1 FETCH (BINARY[2] ~{${PAYLOAD.length}}\r\n`),
      PAYLOAD,
      Buffer.from(` BINARY.SIZE[2] ${PAYLOAD.length})`),
    ]);
    assert.ok(bytes.subarray(0, expected.length).equals(expected), bytes.toString('latin1'));
    await imap.logout();
  });

  test('a partial with NUL is a literal8 too, named with its origin; one without NUL is {n}', async () => {
    const imap = await ImapDialog.login(port, 'bin@loft.test');
    await imap.ok('SELECT INBOX');
    imap.send('f2 FETCH 1 (BINARY.PEEK[2]<5.3>)');
    const nul = await raw(imap, 'f2');
    const withNul = Buffer.concat([Buffer.from('* 1 FETCH (BINARY[2]<5> ~{3}\r\n'), PAYLOAD.subarray(5, 8)]);
    assert.ok(nul.subarray(0, withNul.length).equals(withNul), nul.toString('latin1'));
    imap.send('f3 FETCH 1 (BINARY.PEEK[2]<2.2>)');
    const plain = await raw(imap, 'f3');
    assert.ok(
      plain.toString('latin1').startsWith('* 1 FETCH (BINARY[2]<2> {2}\r\nB\xff'),
      plain.toString('latin1'),
    );
    await imap.logout();
  });

  test('text without NUL is a plain literal, as is the encoded BODY[2]', async () => {
    const imap = await ImapDialog.login(port, 'bin@loft.test');
    await imap.ok('SELECT INBOX');
    const text = await imap.ok('FETCH 1 (BINARY.PEEK[1])');
    assert.equal(text.untagged[0], '* 1 FETCH (BINARY[1] {11}\r\nplain words)');
    const body = await imap.ok('FETCH 1 (BODY.PEEK[2])');
    assert.match(body.untagged[0]!, /^\* 1 FETCH \(BODY\[2\] \{\d+\}\r\nQQBC/);
    await imap.logout();
  });
});

describe('APPEND with a literal8 (RFC 3516 §4.4)', () => {
  test('content holding NUL is refused with NO [UNKNOWN-CTE] and nothing is stored', async () => {
    const imap = await ImapDialog.login(port, 'bin@loft.test');
    const before = (await mailboxContents(server, 'bin@loft.test', 'INBOX')).length;
    const msg = Buffer.from('Subject: nul\r\n\r\nA\0B\r\n');
    imap.write(`b1 APPEND INBOX ~{${msg.length}+}\r\n`);
    imap.write(Buffer.concat([msg, Buffer.from('\r\n')]));
    assert.match((await imap.until('b1')).tagged, /^b1 NO \[UNKNOWN-CTE\] /);
    // A plain literal may not hold NUL at all (RFC 9051 §9 CHAR8).
    imap.write(`b2 APPEND INBOX {${msg.length}+}\r\n`);
    imap.write(Buffer.concat([msg, Buffer.from('\r\n')]));
    assert.match((await imap.until('b2')).tagged, /^b2 NO /);
    // In a MULTIAPPEND, one such message refuses the whole set.
    const good = Buffer.from('Subject: fine\r\n\r\nok\r\n');
    imap.write(`b3 APPEND INBOX {${good.length}+}\r\n${good} ~{${msg.length}+}\r\n`);
    imap.write(Buffer.concat([msg, Buffer.from('\r\n')]));
    assert.match((await imap.until('b3')).tagged, /^b3 NO \[UNKNOWN-CTE\] /);
    assert.equal((await mailboxContents(server, 'bin@loft.test', 'INBOX')).length, before);
    await imap.logout();
  });

  test('8-bit content without NUL is stored as given', async () => {
    const imap = await ImapDialog.login(port, 'bin@loft.test');
    const msg = Buffer.concat([
      Buffer.from('Subject: eight\r\n\r\n'),
      Buffer.from([0xe9, 0x80, 0xff]),
      Buffer.from('\r\n'),
    ]);
    imap.write(`c1 APPEND INBOX ~{${msg.length}+}\r\n`);
    imap.write(Buffer.concat([msg, Buffer.from('\r\n')]));
    assert.match((await imap.until('c1')).tagged, /^c1 OK \[APPENDUID /);
    const stored = await mailboxContents(server, 'bin@loft.test', 'INBOX');
    assert.ok(stored.some((m) => m.equals(msg)));
    await imap.logout();
  });
});
