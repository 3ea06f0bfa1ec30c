import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SequenceSet } from '../../../../src/proto/imap/parse/index.ts';
import { bad, ok, seq } from '../helpers.ts';

function set(text: string, options?: { maxSequenceRanges?: number }): SequenceSet {
  const c = ok(`A1 COPY ${text} x`, options);
  assert.ok(c.name === 'COPY');
  return c.set;
}

describe('sequence-set (RFC 9051 §9, RFC 5182)', () => {
  it('parses numbers, ranges, "*" and "$"', () => {
    assert.deepEqual(set('1'), seq([1, 1]));
    assert.deepEqual(set('2,4:7,9,12:*'), seq([2, 2], [4, 7], [9, 9], [12, '*']));
    assert.deepEqual(set('*:4'), seq(['*', 4]));
    assert.deepEqual(set('*'), seq(['*', '*']));
    assert.deepEqual(set('7:3'), seq([7, 3]));
    assert.deepEqual(set('4294967295'), seq([4294967295, 4294967295]));
    assert.deepEqual(set('$'), { kind: 'saved' });
  });

  it('refuses 0, numbers past 2^32-1, and malformed sets', () => {
    for (const s of [
      '0',
      '1:0',
      '4294967296',
      '99999999999',
      '01',
      '1,',
      ',1',
      '1::2',
      '1:2:3',
      '1,,2',
      '$,1',
      '1:$',
      '$$',
      ':',
      '**',
    ]) {
      bad(`A1 COPY ${s} x`);
    }
  });

  it('limits the number of ranges', () => {
    const many = Array.from({ length: 11 }, (_, i) => i + 1).join(',');
    assert.match(bad(`A1 COPY ${many} x`, { maxSequenceRanges: 10 }), /Too many ranges/);
    assert.equal(set(many, { maxSequenceRanges: 11 }).kind, 'ranges');
    const huge = Array.from({ length: 20_000 }, (_, i) => i * 2 + 1).join(',');
    assert.match(bad(`A1 COPY ${huge} x`, { maxLineLength: 1_000_000 }), /Too many ranges/);
  });
});
