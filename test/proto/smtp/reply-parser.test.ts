import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Reply } from '../../../src/proto/smtp/reply.ts';
import { ReplyParser, type ReplyParserOptions } from '../../../src/proto/smtp/reply-parser.ts';
import { CHUNK_SIZES, split } from './chunks.ts';

interface Outcome {
  replies: Reply[];
  error: string | null;
  pending: boolean;
}

function parseChunks(chunks: Buffer[], opts?: ReplyParserOptions): Outcome {
  const p = new ReplyParser(opts);
  const replies: Reply[] = [];
  let error: string | null = null;
  for (const c of chunks) {
    const r = p.push(c);
    replies.push(...r.replies);
    if (!r.ok) {
      error = r.reason;
      break;
    }
  }
  return { replies, error, pending: p.pending };
}

/** Parses whole and in every chunk size; all must agree. */
function parseAll(input: string | Buffer, opts?: ReplyParserOptions): Outcome {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const whole = parseChunks([buf], opts);
  for (const size of CHUNK_SIZES)
    assert.deepEqual(parseChunks(split(buf, size), opts), whole, `chunk size ${size}`);
  return whole;
}

describe('ReplyParser (RFC 5321 §4.2)', () => {
  it('parses the RFC 5321 §4.3.2-style EHLO reply', () => {
    const r = parseAll('250-foo.com greets bar.com\r\n250-8BITMIME\r\n250-SIZE\r\n250-DSN\r\n250 HELP\r\n');
    assert.deepEqual(r, {
      replies: [{ code: 250, lines: ['foo.com greets bar.com', '8BITMIME', 'SIZE', 'DSN', 'HELP'] }],
      error: null,
      pending: false,
    });
  });

  it('splits off enhanced status codes (RFC 2034 §4)', () => {
    const r = parseAll('550-5.1.1 No such user\r\n550 5.1.1 here\r\n250 2.1.0 Ok\r\n');
    assert.deepEqual(r.replies, [
      { code: 550, enhanced: '5.1.1', lines: ['No such user', 'here'] },
      { code: 250, enhanced: '2.1.0', lines: ['Ok'] },
    ]);
  });

  it('leaves text alone when the enhanced code is of another class or absent from the first line', () => {
    assert.deepEqual(parseAll('250 5.1.1 odd\r\n').replies, [{ code: 250, lines: ['5.1.1 odd'] }]);
    assert.deepEqual(parseAll('250-hello\r\n250 2.0.0 x\r\n').replies, [
      { code: 250, lines: ['hello', '2.0.0 x'] },
    ]);
    assert.deepEqual(parseAll('250 2.0.0x\r\n').replies, [{ code: 250, lines: ['2.0.0x'] }]);
  });

  it('accepts a code without text and "-" without text', () => {
    assert.deepEqual(parseAll('354\r\n250-\r\n250 \r\n').replies, [
      { code: 354, lines: [''] },
      { code: 250, lines: ['', ''] },
    ]);
    assert.deepEqual(parseAll('250 2.0.0\r\n').replies, [{ code: 250, enhanced: '2.0.0', lines: [''] }]);
  });

  it('returns pipelined replies in order and keeps a partial reply pending', () => {
    const r = parseAll('250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n250-partial\r\n250 ');
    assert.deepEqual(
      r.replies.map((x) => x.code),
      [250, 250, 354],
    );
    assert.equal(r.pending, true);
    assert.equal(r.error, null);
  });

  it('decodes UTF-8 text', () => {
    assert.deepEqual(parseAll('250 Grüße\r\n').replies, [{ code: 250, lines: ['Grüße'] }]);
  });

  it('rejects malformed lines', () => {
    for (const bad of [
      '25\r\n',
      '2500 x\r\n',
      '250x\r\n',
      '150 x\r\n',
      '260 x\r\n',
      '650 x\r\n',
      'abc x\r\n',
      '250 a\rb\r\n',
      '250 a\0b\r\n',
      '250-a\r\n251 b\r\n',
      '250 x\n',
      '\r\n',
    ]) {
      const r = parseAll(bad);
      assert.notEqual(r.error, null, JSON.stringify(bad));
      assert.deepEqual(r.replies, [], JSON.stringify(bad));
    }
  });

  it('accepts a bare LF only when asked', () => {
    assert.deepEqual(parseAll('250-a\n250 b\r\n', { allowBareLf: true }).replies, [
      { code: 250, lines: ['a', 'b'] },
    ]);
  });

  it('rejects overlong lines before buffering them, and too many lines', () => {
    const long = `250 ${'x'.repeat(100)}\r\n`;
    assert.equal(parseAll(long, { maxLineLength: 106 }).error, null);
    assert.equal(parseAll(long, { maxLineLength: 105 }).error, 'reply line too long');
    const p = new ReplyParser({ maxLineLength: 64 });
    assert.deepEqual(p.push(Buffer.alloc(65, 0x78)), {
      ok: false,
      reason: 'reply line too long',
      replies: [],
    });
    assert.equal(
      parseAll('250-a\r\n'.repeat(10) + '250 b\r\n', { maxLines: 10 }).error,
      'too many lines in reply',
    );
    assert.equal(parseAll('250-a\r\n'.repeat(9) + '250 b\r\n', { maxLines: 10 }).error, null);
  });

  it('stays failed after an error, keeping replies completed before it', () => {
    const p = new ReplyParser();
    const r = p.push(Buffer.from('250 ok\r\nbad\r\n250 ok\r\n'));
    assert.equal(r.ok, false);
    assert.deepEqual(r.replies, [{ code: 250, lines: ['ok'] }]);
    assert.deepEqual(p.push(Buffer.from('250 ok\r\n')), {
      ok: false,
      reason: 'malformed reply code',
      replies: [],
    });
  });

  it('never throws, and chunking never changes the result', () => {
    const piece = fc.oneof(
      fc.constantFrom('250', '250-', '250 ', '550 5.1.1 ', '2', '\r\n', '\r', '\n', 'x', ' '),
      fc.string({ unit: 'binary', maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), fc.integer({ min: 1, max: 16 }), (pieces, size) => {
        const buf = Buffer.from(pieces.join(''), 'utf8');
        assert.deepEqual(parseChunks(split(buf, size)), parseChunks([buf]));
      }),
    );
  });
});
