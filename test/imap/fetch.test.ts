/**
 * FETCH over ranges against a real server: the items that need no message bytes (UID, FLAGS,
 * INTERNALDATE, RFC822.SIZE, ENVELOPE, BODY, BODYSTRUCTURE) answer exactly as the items read with
 * the message bytes do, whether their encodings come from the process's cache or not, for each way
 * a client reads strings (IMAP4rev1 literals, UTF8=ACCEPT quoted UTF-8); sequence numbers stay
 * right around expunged messages. Plus the cache's budget (`fetch-cache.ts`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FetchCache, fetchCacheVariant } from '../../src/server/imap/fetch-cache.ts';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { message, Session } from './support.ts';

describe('FetchCache', () => {
  test('keeps blobs within its budget, the oldest going first', () => {
    const cost = (id: string, ...texts: string[]) => id.length + 96 + texts.join('').length;
    const cache = new FetchCache(3 * cost('a', 'x'.repeat(10)));
    for (const id of ['a', 'b', 'c']) cache.set(id, 'E00', id.repeat(10));
    assert.equal(cache.entries, 3);
    cache.set('d', 'E00', 'd'.repeat(10));
    assert.equal(cache.get('a', 'E00'), undefined, 'the oldest is evicted');
    assert.equal(cache.get('b', 'E00'), 'b'.repeat(10));
    assert.equal(cache.get('d', 'E00'), 'd'.repeat(10));
    cache.set('b', 'E00', 'B'.repeat(10));
    assert.equal(cache.get('b', 'E00'), 'B'.repeat(10), 'replaced in place');
    assert.equal(cache.entries, 3);
    cache.set('d', 'S00', 's'.repeat(5));
    assert.equal(cache.get('d', 'S00'), 's'.repeat(5), 'a second variant of the same blob');
    assert.equal(cache.get('b', 'E00'), undefined, 'which cost the oldest its place');
    assert.deepEqual(cache.blob('d'), { E00: 'd'.repeat(10), S00: 's'.repeat(5) });
    cache.set('e', 'E00', 'e'.repeat(1000));
    assert.equal(cache.get('e', 'E00'), undefined, 'an entry above the whole budget is not kept');
    for (let i = 0; i < 5000; i++) cache.set(`k${i}`, 'E00', 'x'.repeat(10));
    assert.equal(cache.entries, 2, 'still within budget after many evictions (longer ids cost more)');
    assert.equal(cache.get('k4999', 'E00'), 'x'.repeat(10));
  });

  test('variants tell apart items and the options that change their bytes', () => {
    const variants = new Set<string>();
    for (const item of ['ENVELOPE', 'BODY', 'BODYSTRUCTURE'])
      for (const rev2 of [false, true])
        for (const utf8 of [false, true]) variants.add(fetchCacheVariant(item, rev2, utf8));
    assert.equal(variants.size, 12);
  });
});

describe('FETCH', () => {
  let server: TestServer;
  let port: number;
  before(async () => {
    server = await startTestServer();
    await provision(server, ['loft.test'], ['dora@loft.test']);
    port = server.ports.imap!;
    const s = await Session.login(port, 'dora@loft.test');
    try {
      // The fixtures have UTF-8 header fields, which an IMAP4rev1 client may only APPEND with
      // UTF8=ACCEPT enabled (RFC 9755 §4); the FETCH sessions below do not enable it.
      await s.ok('ENABLE UTF8=ACCEPT');
      await s.ok(...appendOf(message('plain "quoted" \\ subject')));
      await s.ok(
        ...appendOf(
          Buffer.from(
            'From: "Zoë" <z@loft.test>\r\nTo: b@loft.test\r\nSubject: Grüße\r\nMessage-ID: <1@loft.test>\r\n\r\nHallo\r\n',
          ),
        ),
      );
      await s.ok(...appendOf(message('gone')));
      await s.ok(
        ...appendOf(
          [
            'From: a@loft.test',
            'To: b@loft.test, c@loft.test',
            'Subject: parts',
            'MIME-Version: 1.0',
            'Content-Type: multipart/mixed; boundary="b1"',
            '',
            '--b1',
            'Content-Type: text/plain; charset=utf-8',
            '',
            'text',
            '--b1',
            'Content-Type: application/octet-stream; name="a.bin"',
            'Content-Disposition: attachment; filename="a.bin"',
            'Content-Transfer-Encoding: base64',
            '',
            'AAEC',
            '--b1--',
            '',
          ].join('\r\n'),
        ),
      );
      await s.ok('SELECT INBOX');
      await s.ok('STORE 3 +FLAGS (\\Deleted)');
      await s.ok('STORE 1 +FLAGS (\\Seen $Label)');
      await s.ok('EXPUNGE');
    } finally {
      await s.logout();
    }
  });
  after(() => server.close());

  function appendOf(data: string | Buffer): [Buffer] {
    const bytes = Buffer.from(data);
    return [Buffer.concat([Buffer.from(`APPEND INBOX {${bytes.length}+}\r\n`), bytes])];
  }

  /** The untagged responses of a command in a fresh session, after the given setup commands. */
  async function fetched(setup: string[], command: string): Promise<string[]> {
    const s = await Session.login(port, 'dora@loft.test');
    try {
      for (const line of setup) await s.ok(line);
      await s.ok('EXAMINE INBOX');
      return (await s.ok(command)).untagged.filter((line) => / FETCH /.test(line));
    } finally {
      await s.logout();
    }
  }

  test('ENVELOPE and BODYSTRUCTURE: the same bytes from the cache, and as with a body section', async () => {
    const first = await fetched([], 'FETCH 1:* (ENVELOPE BODYSTRUCTURE)');
    assert.equal(first.length, 3);
    assert.match(first[0]!, /^\* 1 FETCH \(ENVELOPE \(NIL "plain \\"quoted\\" \\\\ subject" /);
    assert.match(
      first[1]!,
      /^\* 2 FETCH \(ENVELOPE \(NIL \{7\}\r\nGrüße /,
      'IMAP4rev1: 8-bit text is a literal',
    );
    assert.match(first[2]!, /^\* 3 FETCH .*\("APPLICATION" "OCTET-STREAM" \("NAME" "a\.bin"\)/);
    assert.deepEqual(await fetched([], 'FETCH 1:* (ENVELOPE BODYSTRUCTURE)'), first, 'again, from the cache');
    // With a body section the items are read with the message bytes, one message at a time.
    const withBody = await fetched(
      [],
      'FETCH 1:* (ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (X-NONE)])',
    );
    assert.deepEqual(
      withBody.map((line) => line.replace(/ BODY\[HEADER\.FIELDS \(X-NONE\)\] \{2\}\r\n\r\n\)$/, ')')),
      first,
    );
  });

  test('UTF8=ACCEPT gets quoted UTF-8, whatever an IMAP4rev1 session cached before', async () => {
    await fetched([], 'FETCH 2 (ENVELOPE)');
    const utf8 = await fetched(['ENABLE UTF8=ACCEPT'], 'FETCH 2 (ENVELOPE)');
    assert.match(utf8[0]!, /^\* 2 FETCH \(ENVELOPE \(NIL "Grüße" \(\("Zoë" NIL "z" "loft\.test"\)\)/);
    const rev1 = await fetched([], 'FETCH 2 (ENVELOPE)');
    assert.match(rev1[0]!, /\{7\}\r\nGrüße/);
  });

  test('BODY and BODYSTRUCTURE are told apart', async () => {
    const [structure] = await fetched([], 'FETCH 3 (BODYSTRUCTURE)');
    const [plain] = await fetched([], 'FETCH 3 (BODY)');
    assert.match(structure!, /"MIXED" \("BOUNDARY" "b1"\)/, 'extension data');
    assert.match(plain!, /^\* 3 FETCH \(BODY \(\(.*\) "MIXED"\)\)$/, 'no extension data');
  });

  test('index items in the order asked, sequence numbers right past an expunged message', async () => {
    const lines = await fetched([], 'UID FETCH 1:* (FLAGS RFC822.SIZE INTERNALDATE)');
    assert.equal(lines.length, 3);
    assert.match(
      lines[0]!,
      /^\* 1 FETCH \(UID 1 FLAGS \(\\Seen \$Label\) RFC822\.SIZE \d+ INTERNALDATE "\d\d-\w{3}-\d{4} \d\d:\d\d:\d\d [+-]\d{4}"\)$/,
    );
    assert.match(lines[1]!, /^\* 2 FETCH \(UID 2 FLAGS \(\) /);
    assert.match(lines[2]!, /^\* 3 FETCH \(UID 4 FLAGS \(\) /);
    const some = await fetched([], 'UID FETCH 2:4 (UID MODSEQ)');
    assert.deepEqual(
      some.map((line) => line.replace(/MODSEQ \(\d+\)/, 'MODSEQ (n)')),
      ['* 2 FETCH (UID 2 MODSEQ (n))', '* 3 FETCH (UID 4 MODSEQ (n))'],
    );
  });
});
