import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type ContentPolicy, DataDecoder, type DataStatus } from '../../../src/proto/smtp/data-decoder.ts';
import { dotStuff } from '../../../src/proto/smtp/dot-stuff.ts';
import { CHUNK_SIZES, octetString, split, splitAt } from './chunks.ts';

interface Decoded {
  content: string;
  /** Octets of the input used by the data (including the terminator), or -1 if not done. */
  consumed: number;
  status: DataStatus;
}

function decodeChunks(chunks: Buffer[], policy?: ContentPolicy): Decoded {
  const d = new DataDecoder(policy);
  const out: Buffer[] = [];
  let consumed = 0;
  for (const c of chunks) {
    const r = d.push(c);
    out.push(...r.chunks);
    consumed += r.consumed;
    if (r.done) {
      return { content: Buffer.concat(out).toString('latin1'), consumed, status: d.status };
    }
    assert.equal(r.consumed, c.length, 'a push that does not finish consumes the whole chunk');
  }
  return { content: Buffer.concat(out).toString('latin1'), consumed: -1, status: d.status };
}

/** Decodes whole and in every chunk size; every way must give the same result. */
function decode(input: string, policy?: ContentPolicy): Decoded {
  const buf = Buffer.from(input, 'latin1');
  const whole = decodeChunks([buf], policy);
  for (const size of CHUNK_SIZES)
    assert.deepEqual(decodeChunks(split(buf, size), policy), whole, `chunk size ${size}`);
  return whole;
}

const clean = { size: 0, tooLarge: false, longLine: false, bareLineEnd: false, refused: null, done: true };

describe('DataDecoder: end of data (RFC 5321 §4.1.1.4)', () => {
  it('ends at CRLF . CRLF and leaves the rest for the next command', () => {
    const r = decode('Subject: x\r\n\r\nHello\r\n.\r\nQUIT\r\n');
    assert.equal(r.content, 'Subject: x\r\n\r\nHello\r\n');
    assert.equal(r.consumed, 'Subject: x\r\n\r\nHello\r\n.\r\n'.length);
    assert.deepEqual(r.status, { ...clean, size: 21 });
  });

  it('treats the start of data as following a CRLF: ".\\r\\n" first is an empty message', () => {
    const r = decode('.\r\nMAIL FROM:<>\r\n');
    assert.deepEqual(r, { content: '', consumed: 3, status: clean });
  });

  it('is not done without the terminator', () => {
    const r = decode('Hello\r\n.');
    assert.equal(r.consumed, -1);
    assert.equal(r.status.done, false);
    assert.equal(r.content, 'Hello\r\n');
  });

  it('consumes nothing after it is done', () => {
    const d = new DataDecoder();
    assert.equal(d.push(Buffer.from('.\r\n')).done, true);
    assert.deepEqual(d.push(Buffer.from('more')), { consumed: 0, done: true, chunks: [] });
  });

  it('finds a terminator split across chunks at every position', () => {
    const input = Buffer.from('line one\r\n..dots\r\nend\r\n.\r\nNEXT');
    const end = input.length - 4;
    for (let a = 1; a < input.length; a++) {
      for (let b = a; b < input.length; b++) {
        const r = decodeChunks(splitAt(input, [a, b]));
        assert.equal(r.content, 'line one\r\n.dots\r\nend\r\n', `split at ${a},${b}`);
        assert.equal(r.consumed, end, `split at ${a},${b}`);
      }
    }
  });
});

describe('DataDecoder: dot-unstuffing (RFC 5321 §4.5.2)', () => {
  it('removes the first dot of lines that follow a CRLF', () => {
    assert.equal(decode('..\r\n...x\r\n.y\r\n.\r\n').content, '.\r\n..x\r\ny\r\n');
    assert.equal(decode('a.b\r\n .c\r\n.\r\n').content, 'a.b\r\n .c\r\n');
  });

  it('counts line length without the stuffed dot (RFC 5321 §4.5.3.1.6)', () => {
    const line = 'x'.repeat(998);
    assert.equal(decode(`.${line}\r\n.\r\n`).status.longLine, false);
    assert.equal(decode(`${line}\r\n.\r\n`).status.longLine, false);
    assert.equal(decode(`${line}x\r\n.\r\n`).status.longLine, true);
    assert.equal(decode(`ab\r\n.\r\n`, { maxLineLength: 4 }).status.longLine, false);
    assert.equal(decode(`abc\r\n.\r\n`, { maxLineLength: 4 }).status.longLine, true);
  });
});

describe('DataDecoder: bare CR and LF', () => {
  it('normalizes them to CRLF by default, without treating the next line as after a CRLF', () => {
    const r = decode('a\nb\rc\r\n.\r\n');
    assert.equal(r.content, 'a\r\nb\r\nc\r\n');
    assert.equal(r.status.bareLineEnd, true);
    assert.equal(r.status.refused, null);
    // The dot after a bare LF is content, kept as is (not unstuffed).
    assert.equal(decode('a\n..b\r\n.\r\n').content, 'a\r\n..b\r\n');
  });

  it('handles CR CR LF and CR at chunk ends', () => {
    assert.equal(decode('a\r\r\n.\r\n').content, 'a\r\n\r\n');
    assert.equal(decode('a\r\r\r\n.\r\n').content, 'a\r\n\r\n\r\n');
    assert.equal(
      decodeChunks([Buffer.from('a\r'), Buffer.from('\nb\r'), Buffer.from('x\r\n.\r\n')]).content,
      'a\r\nb\r\nx\r\n',
    );
  });

  it("refuses in 'reject' mode but still finds the real end", () => {
    const r = decode('a\nb\r\n.\r\nNEXT', { bareLineEnds: 'reject' });
    assert.equal(r.status.refused, 'bare-line-end');
    assert.equal(r.status.bareLineEnd, true);
    assert.equal(r.status.done, true);
    assert.equal(r.consumed, 'a\nb\r\n.\r\n'.length);
    assert.equal(r.content, 'a', 'output stops at the bare line end');
  });
});

describe('DataDecoder: size limit', () => {
  it('marks content over maxSize, stops storing, keeps consuming', () => {
    const r = decode('12345\r\n67890\r\n.\r\nNEXT', { maxSize: 10 });
    assert.equal(r.status.tooLarge, true);
    assert.equal(r.status.refused, 'too-large');
    assert.equal(r.status.size, 14);
    assert.equal(r.consumed, 17);
    assert.equal(r.content, '12345\r\n678', 'output stops at exactly maxSize octets');
  });

  it('accepts content of exactly maxSize', () => {
    const r = decode('12345678\r\n.\r\n', { maxSize: 10 });
    assert.equal(r.status.tooLarge, false);
    assert.equal(r.content, '12345678\r\n');
  });
});

/**
 * End-of-data variants used for SMTP smuggling (SEC Consult, December 2023; the Postfix
 * smtp-smuggling page; the smtpsmug tool). Each is sent inside a message, followed by a smuggled
 * second transaction, then the real terminator and QUIT.
 */
const SMUGGLING_VARIANTS: readonly [string, string][] = [
  ['LF . LF', '\n.\n'],
  ['LF . CR LF', '\n.\r\n'],
  ['CR . CR', '\r.\r'],
  ['CR . LF', '\r.\n'],
  ['CR LF . LF', '\r\n.\n'],
  ['CR LF . CR', '\r\n.\r'],
  ['LF . CR', '\n.\r'],
  ['CR . CR LF', '\r.\r\n'],
  ['CR LF NUL . CR LF', '\r\n\x00.\r\n'],
  ['CR LF . NUL CR LF', '\r\n.\x00\r\n'],
  ['CR LF . CR CR LF', '\r\n.\r\r\n'],
  ['CR LF .. CR LF (stuffed)', '\r\n..\r\n'],
];

const SMUGGLED =
  'MAIL FROM:<admin@bank.example>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\nFrom: admin@bank.example\r\n\r\nsmuggled\r\n';

describe('DataDecoder: SMTP smuggling (CVE-2023-51764, -51765, -51766)', () => {
  for (const [name, seq] of SMUGGLING_VARIANTS) {
    for (const mode of ['normalize', 'reject'] as const) {
      it(`${name} is not an end of data (${mode})`, () => {
        const real = `From: user@example.com\r\n\r\nhello${seq}${SMUGGLED}.\r\n`;
        const r = decode(`${real}QUIT\r\n`, { bareLineEnds: mode });
        assert.equal(r.consumed, real.length, 'only the real terminator ends the data');
        assert.equal(r.status.done, true);
        const bare = /\r(?!\n)|(?<!\r)\n/.test(seq);
        assert.equal(r.status.bareLineEnd, bare);
        if (mode === 'normalize') {
          assert.match(r.content, /MAIL FROM:<admin@bank\.example>\r\n/, 'the smuggled commands are content');
          assert.ok(r.content.endsWith('smuggled\r\n'));
          assert.doesNotMatch(r.content, /\r(?!\n)|(?<!\r)\n/, 'stored content has only CRLF line ends');
        } else {
          assert.equal(r.status.refused, bare ? 'bare-line-end' : null);
        }
      });
    }
  }

  it('".\\n" at the very start of the data is not an end of data', () => {
    const real = `.\n${SMUGGLED}.\r\n`;
    const r = decode(`${real}QUIT\r\n`);
    assert.equal(r.consumed, real.length);
    // The dot follows the start of data, so it is unstuffed; the bare LF becomes CRLF.
    assert.ok(r.content.startsWith('\r\nMAIL FROM:'));
  });

  it('keeps the dot of LF . CR LF as content', () => {
    const r = decode('a\n.\r\nb\r\n.\r\n');
    assert.equal(r.content, 'a\r\n.\r\nb\r\n');
  });
});

describe('DataDecoder: properties', () => {
  /** Any CRLF-normalised content that is empty or ends with CRLF. */
  const crlfContent = fc
    .array(fc.oneof(octetString(20), fc.constantFrom('.', '..', '', '.\r\n', ' .')), {
      maxLength: 12,
    })
    .map((lines) => lines.map((l) => `${l.replace(/[\r\n]/g, '')}\r\n`).join(''));

  it('decode(dotStuff(x)) == x, and the decoder uses exactly the stuffed bytes', () => {
    fc.assert(
      fc.property(crlfContent, fc.integer({ min: 1, max: 64 }), (x, size) => {
        const wire = dotStuff(Buffer.from(x, 'latin1'));
        const r = decodeChunks(split(Buffer.concat([wire, Buffer.from('QUIT\r\n')]), size));
        assert.equal(r.content, x);
        assert.equal(r.consumed, wire.length);
        assert.equal(r.status.bareLineEnd, false);
      }),
    );
  });

  it('random input never throws, chunking never changes the result, output has only CRLF', () => {
    const piece = fc.oneof(fc.constantFrom('\r', '\n', '.', '\r\n', '\x00', 'a'), octetString(6));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.integer({ min: 1, max: 9 }), (pieces, size) => {
        const buf = Buffer.from(pieces.join(''), 'latin1');
        const whole = decodeChunks([buf]);
        assert.deepEqual(decodeChunks(split(buf, size)), whole);
        assert.doesNotMatch(whole.content, /\r(?!\n)|(?<!\r)\n/);
        if (whole.status.done) {
          // Only CRLF . CRLF (or . CRLF at the very start) ends the data.
          const used = buf.subarray(0, whole.consumed).toString('latin1');
          assert.ok(used === '.\r\n' || used.endsWith('\r\n.\r\n'), JSON.stringify(used));
          assert.equal(used.indexOf('\r\n.\r\n'), used.startsWith('.\r\n') ? -1 : used.length - 5);
        } else {
          const all = buf.toString('latin1');
          assert.ok(!all.startsWith('.\r\n') && !all.includes('\r\n.\r\n'));
        }
      }),
      { numRuns: 500 },
    );
  });
});
