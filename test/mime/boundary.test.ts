import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BoundaryStack } from '../../src/mime/boundary.ts';

/** The rule spelled out naively: the longest open boundary that prefixes the text, innermost on ties. */
function naive(stack: Buffer[], buf: Buffer, at: number): number {
  let best = -1;
  for (let j = stack.length - 1; j >= 0; j--) {
    const b = stack[j]!;
    if (at + b.length > buf.length) continue;
    if (!buf.subarray(at, at + b.length).equals(b)) continue;
    if (best === -1 || b.length > stack[best]!.length) best = j;
  }
  return best;
}

describe('BoundaryStack (RFC 2046 §5.1.1 boundary lines, prefix match as Dovecot)', () => {
  it('matches a prefix, prefers the longest, then the innermost', () => {
    const s = new BoundaryStack();
    const ab = s.push(Buffer.from('ab'));
    const abc = s.push(Buffer.from('abc'));
    assert.equal(s.match(Buffer.from('--abcdef'), 2), abc);
    assert.equal(s.match(Buffer.from('--abx'), 2), ab);
    assert.equal(s.match(Buffer.from('--a'), 2), undefined);
    const ab2 = s.push(Buffer.from('ab'));
    assert.equal(s.match(Buffer.from('--abx'), 2), ab2);
    s.pop();
    s.pop();
    assert.equal(s.match(Buffer.from('--abcdef'), 2), ab);
    assert.equal(s.size, 1);
    s.pop();
    assert.equal(s.match(Buffer.from('--ab'), 2), undefined);
    assert.equal(s.mayMatch(Buffer.from('--ab'), 2), false);
  });

  it('mayMatch looks at the first one or two bytes', () => {
    const s = new BoundaryStack();
    s.push(Buffer.from('x'));
    s.push(Buffer.from('yz'));
    assert.equal(s.mayMatch(Buffer.from('x'), 0), true);
    assert.equal(s.mayMatch(Buffer.from('yz!'), 0), true);
    assert.equal(s.mayMatch(Buffer.from('y!'), 0), false);
    assert.equal(s.mayMatch(Buffer.from('y'), 0), false);
  });

  it('agrees with the naive rule on random stacks of look-alike boundaries', () => {
    const word = (max: number) =>
      fc
        .array(fc.constantFrom(0x61, 0x62, 0x63), { minLength: 1, maxLength: max })
        .map((a) => Buffer.from(a));
    fc.assert(
      fc.property(
        fc.array(word(5), { minLength: 1, maxLength: 8 }),
        fc.array(fc.constantFrom(0x61, 0x62, 0x63, 0x0d), { maxLength: 7 }),
        fc.nat(8),
        (boundaries, text, pops) => {
          const s = new BoundaryStack();
          const entries = boundaries.map((b) => s.push(b));
          const open = [...boundaries];
          for (let i = 0; i < Math.min(pops, open.length - 1); i++) {
            s.pop();
            open.pop();
            entries.pop();
          }
          const buf = Buffer.from([0x2d, 0x2d, ...text]);
          const want = naive(open, buf, 2);
          const got = s.match(buf, 2);
          assert.equal(got, want === -1 ? undefined : entries[want]);
          if (got !== undefined) assert.equal(s.mayMatch(buf, 2), true);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
