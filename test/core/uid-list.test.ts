import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UidList } from '../../src/core/uid-list.ts';

test('UidList agrees with a plain array under appends and removals', () => {
  const op = fc.oneof(
    fc.record({
      kind: fc.constant('push' as const),
      gaps: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 20 }),
    }),
    fc.record({ kind: fc.constant('remove' as const), picks: fc.array(fc.nat(), { maxLength: 5 }) }),
    fc.record({ kind: fc.constant('removeAt' as const), pick: fc.nat() }),
  );
  fc.assert(
    fc.property(
      fc.array(op, { maxLength: 30 }),
      fc.array(fc.integer({ min: 0, max: 80 }), { minLength: 2, maxLength: 2 }),
      (ops, probe) => {
        const list = new UidList();
        let model: number[] = [];
        for (const o of ops) {
          if (o.kind === 'push') {
            let next = model.at(-1) ?? 0;
            const fresh = o.gaps.map((gap) => (next += gap));
            list.push(fresh);
            model.push(...fresh);
          } else if (o.kind === 'remove') {
            const gone = o.picks.map((p) => (model.length > 0 ? model[p % model.length]! : p));
            list.remove(gone);
            model = model.filter((uid) => !gone.includes(uid));
          } else if (model.length > 0) {
            const seq = (o.pick % model.length) + 1;
            assert.equal(list.removeAt(seq), model[seq - 1]);
            model.splice(seq - 1, 1);
          }
        }
        assert.equal(list.length, model.length);
        assert.deepEqual(list.toArray(), model);
        assert.deepEqual([...list], model);
        assert.equal(list.last, model.at(-1));
        for (let seq = 0; seq <= model.length + 1; seq++) assert.equal(list.uidOf(seq), model[seq - 1]);
        for (let uid = 0; uid <= (model.at(-1) ?? 0) + 2; uid++) {
          const index = model.indexOf(uid);
          assert.equal(list.seqOf(uid), index < 0 ? undefined : index + 1);
        }
        const [a, b] = probe as [number, number];
        const [from, to] = a <= b ? [a, b] : [b, a];
        const inside = model
          .map((uid, i) => [uid, i + 1] as const)
          .filter(([uid]) => uid >= from && uid <= to);
        assert.deepEqual(
          list.seqRange(from, to),
          inside.length === 0 ? undefined : [inside[0]![1], inside.at(-1)![1]],
        );
        // The UIDs of sequence numbers from..to (clamped to the list), in order, after what `out` holds.
        const out = new Uint32Array(model.length + 2).fill(7);
        const end = list.copyUids(from, to, out, 1);
        const expected = model.filter((_, i) => i + 1 >= from && i + 1 <= to);
        assert.equal(end, 1 + expected.length);
        assert.deepEqual([...out.subarray(1, end)], expected);
        assert.equal(out[0], 7);
      },
    ),
    { numRuns: 400 },
  );
});

test('a mailbox delivered in order is one run, whatever its size', () => {
  const list = new UidList(Array.from({ length: 100_000 }, (_, i) => i + 1));
  assert.equal(list.runs, 1);
  assert.equal(list.uidOf(54_321), 54_321);
  list.remove([500]);
  assert.equal(list.runs, 2);
  assert.equal(list.seqOf(501), 500);
  assert.equal(list.length, 99_999);
});
