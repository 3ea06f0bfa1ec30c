/**
 * The UID arithmetic behind VANISHED (EARLIER) when a mailbox's expunge history does not reach
 * back far enough (`src/server/imap/vanished.ts`): every UID of the ranges not present, as a
 * sequence set. Checked by example and against a direct computation for random inputs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { missing } from '../../src/server/imap/vanished.ts';

function expand(set: string): number[] {
  if (set === '') return [];
  return set.split(',').flatMap((part) => {
    const [from, to] = part.split(':').map(Number);
    return Array.from({ length: (to ?? from!) - from! + 1 }, (_, i) => from! + i);
  });
}

describe('missing', () => {
  test('examples', () => {
    assert.equal(missing([[1, 10]], [2, 3, 7]), '1,4:6,8:10');
    assert.equal(missing([[1, 3]], [1, 2, 3]), '');
    assert.equal(missing([[1, 0]], []), '', 'an empty mailbox that never had a message');
    assert.equal(
      missing(
        [
          [2, 4],
          [8, 9],
        ],
        [1, 3, 9, 12],
      ),
      '2,4,8',
    );
  });

  test('equals the UIDs of the ranges minus those present, for random inputs', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { maxLength: 30 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 8 })), { maxLength: 5 }),
        (presentRaw, rawRanges) => {
          const present = [...presentRaw].sort((a, b) => a - b);
          // Sorted, disjoint, non-adjacent ranges, as uidRanges() produces.
          const ranges: [number, number][] = [];
          for (const [from, length] of [...rawRanges].sort((a, b) => a[0] - b[0])) {
            const last = ranges.at(-1);
            if (last && from <= last[1] + 1) last[1] = Math.max(last[1], from + length);
            else ranges.push([from, from + length]);
          }
          const want = ranges.flatMap(([from, to]) =>
            Array.from({ length: to - from + 1 }, (_, i) => from + i).filter((uid) => !present.includes(uid)),
          );
          assert.deepEqual(expand(missing(ranges, present)), want);
        },
      ),
    );
  });
});
