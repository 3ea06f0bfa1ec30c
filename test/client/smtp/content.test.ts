/**
 * The content on the wire: DATA is dot-stuffed exactly as the shared `dotStuff`; BDAT chunks carry
 * the content unchanged but for bare CR/LF written as CRLF, whatever the chunking.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ContentEncoder } from '../../../src/client/smtp/content.ts';
import { dotStuff } from '../../../src/proto/smtp/dot-stuff.ts';

/** Runs the encoder over `pieces`; returns the bytes and the BDAT commands announced. */
function encode(
  mode: 'data' | 'bdat',
  pieces: Buffer[],
  chunkSize: number,
): { wire: Buffer; chunks: boolean[] } {
  const chunks: boolean[] = [];
  const e = new ContentEncoder(mode, chunkSize, (last) => chunks.push(last));
  const out = pieces.flatMap((p) => e.push(p));
  out.push(...e.end());
  return { wire: Buffer.concat(out), chunks };
}

/** Reads BDAT framing back: the content and the chunk sizes. */
function unframe(wire: Buffer): { content: Buffer; sizes: number[]; lastSeen: boolean } {
  const parts: Buffer[] = [];
  const sizes: number[] = [];
  let pos = 0;
  let lastSeen = false;
  while (pos < wire.length) {
    assert.ok(!lastSeen, 'nothing after BDAT LAST');
    const eol = wire.indexOf('\r\n', pos);
    const m = /^BDAT (\d+)( LAST)?$/.exec(wire.subarray(pos, eol).toString());
    assert.ok(m, 'a BDAT command');
    const size = Number(m[1]);
    sizes.push(size);
    parts.push(wire.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size;
    lastSeen = m[2] !== undefined;
  }
  return { content: Buffer.concat(parts), sizes, lastSeen };
}

describe('ContentEncoder', () => {
  it('DATA: the same bytes as dotStuff', () => {
    const content = Buffer.from('a\r\n.b\r\nc');
    assert.deepEqual(encode('data', [content], 4).wire, dotStuff(content));
  });

  it('BDAT: chunks of at most the chunk size, the last with LAST, even for empty content', () => {
    const { wire, chunks } = encode('bdat', [Buffer.from('0123456789\r\n')], 5);
    assert.equal(wire.toString(), 'BDAT 5\r\n01234BDAT 5\r\n56789BDAT 2 LAST\r\n\r\n');
    assert.deepEqual(chunks, [false, false, true]);
    assert.equal(encode('bdat', [], 5).wire.toString(), 'BDAT 0 LAST\r\n');
  });

  it('BDAT: leading dots stay, bare CR and LF become CRLF (RFC 5321 §2.3.8)', () => {
    const { wire } = encode('bdat', [Buffer.from('.a\nb\r'), Buffer.from('c\r\n')], 100);
    assert.equal(unframe(wire).content.toString(), '.a\r\nb\r\nc\r\n');
  });

  it('BDAT: any content in any pieces comes back whole, with CRLF line ends only', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 17 }),
        (arrays, chunkSize) => {
          const pieces = arrays.map((a) => Buffer.from(a));
          const { wire, chunks } = encode('bdat', pieces, chunkSize);
          const { content, sizes, lastSeen } = unframe(wire);
          assert.ok(lastSeen);
          assert.equal(chunks.length, sizes.length);
          assert.ok(sizes.every((s) => s <= chunkSize));
          // Only CRLF pairs: removing them leaves no CR or LF.
          assert.ok(!/[\r\n]/.test(content.toString('latin1').replaceAll('\r\n', '')));
          // Same content once line ends are unified.
          const unify = (b: Buffer) =>
            b
              .toString('latin1')
              .replace(/\r\n|\r|\n/g, '\n')
              .replace(/\n$/, '');
          assert.equal(unify(content), unify(Buffer.concat(pieces)));
        },
      ),
    );
  });
});
