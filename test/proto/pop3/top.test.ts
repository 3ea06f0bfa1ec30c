/**
 * TOP extraction (RFC 1939 §7): header, blank line and n body lines, exactly — from the whole
 * message and from every prefix the session might read (chunked input), against a reference.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { headerEnd, topLength } from '../../../src/proto/pop3/top.ts';
import { CHUNK_SIZES } from '../smtp/chunks.ts';

const MESSAGE = Buffer.from(
  'From: a@x.test\r\nSubject: hi\r\n  folded\r\n\r\nline 1\r\n.line 2\r\n\r\nline 4\r\nlast without CRLF',
);
const HEADER = 'From: a@x.test\r\nSubject: hi\r\n  folded\r\n\r\n';

function top(message: Buffer, n: number): string {
  const r = topLength(message, n, true);
  assert.equal(r.kind, 'found');
  return message.subarray(0, r.kind === 'found' ? r.length : 0).toString();
}

/** A reference written differently: split into LF-ended lines, take the header and n more. */
function reference(message: Buffer, n: number): number {
  const text = message.toString('latin1');
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const blank = lines.findIndex((l) => l === '\r\n' || l === '\n');
  if (blank === -1) return message.length;
  return lines.slice(0, blank + 1 + n).join('').length;
}

describe('topLength on whole messages', () => {
  test('n = 0 gives the header and the blank line', () => {
    assert.equal(top(MESSAGE, 0), HEADER);
  });

  test('n lines of the body, blank body lines counted, dots untouched', () => {
    assert.equal(top(MESSAGE, 1), `${HEADER}line 1\r\n`);
    assert.equal(top(MESSAGE, 2), `${HEADER}line 1\r\n.line 2\r\n`);
    assert.equal(top(MESSAGE, 3), `${HEADER}line 1\r\n.line 2\r\n\r\n`);
    assert.equal(top(MESSAGE, 4), `${HEADER}line 1\r\n.line 2\r\n\r\nline 4\r\n`);
  });

  test('more lines than the body has: the whole message, an unterminated last line included', () => {
    assert.equal(top(MESSAGE, 5), MESSAGE.toString());
    assert.equal(top(MESSAGE, 1e9), MESSAGE.toString());
    assert.equal(top(MESSAGE, Number.POSITIVE_INFINITY), MESSAGE.toString());
  });

  test('a message without a body is all header; an empty header is just the blank line', () => {
    const noBody = Buffer.from('Subject: x\r\nFrom: y\r\n');
    assert.equal(top(noBody, 0), noBody.toString());
    assert.equal(top(Buffer.from('\r\nbody\r\nmore\r\n'), 1), '\r\nbody\r\n');
    assert.equal(top(Buffer.alloc(0), 3), '');
  });

  test('bare LF line ends are line ends too', () => {
    assert.equal(top(Buffer.from('A: 1\n\nb1\nb2\n'), 1), 'A: 1\n\nb1\n');
  });

  test('a lone CR is not a line end', () => {
    assert.equal(headerEnd(Buffer.from('A: 1\r\r\nB: 2\r\n\r\n')), 15);
  });
});

describe('topLength on prefixes (chunked input)', () => {
  test('a prefix gives "more" until it holds the answer, then the same answer as the whole', () => {
    for (const n of [0, 1, 2, 4, 10]) {
      const whole = topLength(MESSAGE, n, true);
      for (const size of CHUNK_SIZES) {
        for (let end = 0; end <= MESSAGE.length; end += size) {
          const r = topLength(MESSAGE.subarray(0, end), n, end === MESSAGE.length);
          if (r.kind === 'found') assert.deepEqual(r, whole, `n=${n} prefix=${end}`);
        }
      }
      const final = topLength(MESSAGE.subarray(0, MESSAGE.length), n, false);
      if (whole.kind === 'found' && whole.length < MESSAGE.length) assert.deepEqual(final, whole);
    }
  });

  test('property: agrees with the reference, whole or from any prefix', () => {
    const line = fc.constantFrom('', 'a', '.', '..x', 'Header: v', ' cont', 'x\r', '\r');
    const ending = fc.constantFrom('\r\n', '\n');
    const message = fc
      .array(fc.tuple(line, ending), { maxLength: 14 })
      .chain((lines) =>
        fc
          .tuple(fc.constant(lines), fc.constantFrom('', 'tail'))
          .map(([ls, tail]) => Buffer.from(ls.map(([l, e]) => l + e).join('') + tail, 'latin1')),
      );
    fc.assert(
      fc.property(message, fc.nat({ max: 20 }), fc.nat({ max: 200 }), (msg, n, cut) => {
        const expected = reference(msg, n);
        assert.deepEqual(topLength(msg, n, true), { kind: 'found', length: expected });
        const end = Math.min(cut, msg.length);
        const r = topLength(msg.subarray(0, end), n, false);
        if (r.kind === 'found') assert.equal(r.length, expected);
        // "more" only when the answer lies at or beyond the end of the prefix.
        else assert.ok(expected >= end, `more for a prefix of ${end} that holds the answer ${expected}`);
      }),
      { numRuns: 2000 },
    );
  });
});
