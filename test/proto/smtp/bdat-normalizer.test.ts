import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BdatNormalizer, type BdatPolicy } from '../../../src/proto/smtp/bdat-normalizer.ts';
import type { ContentStatus } from '../../../src/proto/smtp/content.ts';
import { DataDecoder } from '../../../src/proto/smtp/data-decoder.ts';
import { CHUNK_SIZES, octetString, split } from './chunks.ts';

function normalizeChunks(chunks: Buffer[], policy?: BdatPolicy): { content: string; status: ContentStatus } {
  const n = new BdatNormalizer(policy);
  const out: Buffer[] = [];
  for (const c of chunks) out.push(...n.push(c));
  out.push(...n.end());
  return { content: Buffer.concat(out).toString('latin1'), status: n.status };
}

function normalize(input: string, policy?: BdatPolicy): { content: string; status: ContentStatus } {
  const buf = Buffer.from(input, 'latin1');
  const whole = normalizeChunks([buf], policy);
  for (const size of CHUNK_SIZES)
    assert.deepEqual(normalizeChunks(split(buf, size), policy), whole, `chunk size ${size}`);
  return whole;
}

/** What a DATA client that dot-stuffs only after CRLF sends for `m` (which ends with CRLF). */
function crlfStuff(m: string): string {
  return `${m.replace(/(^|\r\n)\./g, '$1..')}.\r\n`;
}

function viaData(m: string): { content: string; status: ContentStatus } {
  const d = new DataDecoder();
  const r = d.push(Buffer.from(crlfStuff(m), 'latin1'));
  assert.equal(r.done, true);
  const { done: _done, ...status } = d.status;
  return { content: Buffer.concat(r.chunks).toString('latin1'), status };
}

describe('BdatNormalizer (RFC 3030)', () => {
  it('passes CRLF content through, without dot handling', () => {
    const r = normalize('Subject: x\r\n\r\n.\r\n..x\r\n');
    assert.equal(r.content, 'Subject: x\r\n\r\n.\r\n..x\r\n');
    assert.deepEqual(r.status, {
      size: 22,
      tooLarge: false,
      longLine: false,
      bareLineEnd: false,
      refused: null,
    });
  });

  it('normalizes bare CR and LF, also across chunk boundaries', () => {
    assert.equal(normalize('a\nb\rc\r\n').content, 'a\r\nb\r\nc\r\n');
    assert.equal(
      normalizeChunks([Buffer.from('a\r'), Buffer.from('\nb\r'), Buffer.from('c\r\n')]).content,
      'a\r\nb\r\nc\r\n',
    );
    assert.equal(normalize('a\n').status.bareLineEnd, true);
  });

  it('ends content with CRLF as DATA would; a final CR is a bare CR', () => {
    assert.equal(normalize('abc').content, 'abc\r\n');
    assert.equal(normalize('abc\r').content, 'abc\r\n');
    assert.equal(normalize('abc\r').status.bareLineEnd, true);
    assert.equal(normalize('').content, '');
  });

  it("refuses bare line ends in 'reject' mode", () => {
    const r = normalize('ok\r\nbad\nmore\r\n', { bareLineEnds: 'reject' });
    assert.equal(r.status.refused, 'bare-line-end');
    assert.equal(r.content, 'ok\r\nbad');
  });

  it('accounts size and line length', () => {
    const r = normalize('12345\r\n67890\r\n', { maxSize: 10, maxLineLength: 6 });
    assert.equal(r.status.tooLarge, true);
    assert.equal(r.status.longLine, true);
    assert.equal(r.status.size, 14);
    assert.equal(r.content, '12345\r\n678');
    assert.equal(normalize('1234\r\n', { maxLineLength: 6 }).status.longLine, false);
  });

  it('passes BINARYMIME content unchanged (RFC 3030 §3)', () => {
    const r = normalize('a\nb\r\x00\xff', { binary: true });
    assert.equal(r.content, 'a\nb\r\x00\xff');
    assert.equal(r.status.bareLineEnd, false);
  });

  it('stores the same bytes as DATA for the same message', () => {
    fc.assert(
      fc.property(octetString(200), fc.integer({ min: 1, max: 17 }), (raw, size) => {
        const m = `${raw}\r\n`;
        const bdat = normalizeChunks(split(Buffer.from(m, 'latin1'), size));
        assert.deepEqual(bdat, viaData(m));
      }),
      { numRuns: 500 },
    );
  });
});
