import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MessageStates, type StateRow } from '../../src/core/message-states.ts';

const row = (uid: number, extra: Partial<StateRow> = {}): StateRow => ({
  uid,
  flags: uid % 4,
  keywords: uid % 5 === 0 ? [`$k${uid}`] : [],
  modseq: uid + 1,
  size: 100 + uid,
  internalDate: 1_700_000_000_000 + uid,
  ...extra,
});
const rows = (states: MessageStates): StateRow[] =>
  Array.from({ length: states.length }, (_, i) => states.row(i));

test('pick: the UIDs present, in order; a range is a view of the same columns', () => {
  const all = MessageStates.of([1, 2, 3, 5, 8, 9].map((uid) => row(uid)));
  const range = all.pick([3, 5, 8]);
  assert.deepEqual(
    rows(range),
    [3, 5, 8].map((uid) => row(uid)),
  );
  assert.equal(range.uids.buffer, all.uids.buffer, 'a stretch of the columns is shared, not copied');
  assert.deepEqual(
    rows(all.pick([2, 4, 9, 10])),
    [2, 9].map((uid) => row(uid)),
    'absent UIDs left out',
  );
  assert.deepEqual(rows(all.pick([])), []);
  assert.deepEqual(all.keywords(all.lowerBound(5)), ['$k5']);
  assert.deepEqual(all.keywords(0), []);
});

test('merged: updates in place, adds and removes; agrees with a plain model', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { maxLength: 40 }),
      fc.uniqueArray(fc.integer({ min: 1, max: 70 }), { maxLength: 20 }),
      fc.nat(),
      (initial, checked, salt) => {
        const start = [...initial].sort((a, b) => a - b).map((uid) => row(uid));
        const states = MessageStates.of(start);
        const sortedChecked = [...checked].sort((a, b) => a - b);
        // Storage now: each checked UID is present (with new flags) or gone, by the salt.
        const now = sortedChecked
          .filter((uid) => (uid + salt) % 3 !== 0)
          .map((uid) => row(uid, { flags: (uid + salt) % 32, modseq: 1000 + uid }));
        const model = new Map(start.map((r) => [r.uid, r]));
        for (const uid of sortedChecked) model.delete(uid);
        for (const r of now) model.set(r.uid, r);
        const expected = [...model.values()].sort((a, b) => a.uid - b.uid);
        assert.deepEqual(
          rows(
            states.merged(
              sortedChecked,
              now.map((r) => ({ ...r, mailboxId: 1, blobId: 'b', keywords: [...r.keywords] })),
            ),
          ),
          expected,
        );
      },
    ),
    { numRuns: 300 },
  );
});
