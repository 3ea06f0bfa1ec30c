/**
 * The session's maildrop (RFC 1939 §5): fixed numbering, deletion marks, counts and octets that
 * leave marked messages out, RSET, and the UIDs UPDATE state removes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { lookupRefusal, Maildrop } from '../../src/server/pop3/maildrop.ts';
import type { Pop3Message } from '../../src/server/pop3/services.ts';

const message = (uid: number, size: number): Pop3Message => ({ uid, size, blobId: `b${uid}`, seen: false });

function drop(): Maildrop {
  return new Maildrop({
    mailboxId: 9,
    uidValidity: 0x1234,
    messages: [message(3, 100), message(7, 20), message(8, 5)],
  });
}

describe('Maildrop', () => {
  test('numbers 1…n in the snapshot order; counts and octets', () => {
    const m = drop();
    assert.equal(m.count, 3);
    assert.equal(m.octets, 125);
    assert.deepEqual(
      m.listing().map((l) => [l.number, l.message.uid]),
      [
        [1, 3],
        [2, 7],
        [3, 8],
      ],
    );
    assert.equal(m.uniqueId(m.listing()[1]!.message), '0000000700001234');
  });

  test('lookups out of range or of marked messages fail with the reason', () => {
    const m = drop();
    for (const n of [0, 4, -1, 1.5, Number.NaN, 2 ** 60])
      assert.deepEqual(m.lookup(n), { ok: false, reason: 'no-such-message' });
    m.markDeleted(2);
    assert.deepEqual(m.lookup(2), { ok: false, reason: 'deleted' });
    assert.equal(lookupRefusal(2, 'deleted'), 'Message 2 already deleted');
    assert.equal(lookupRefusal(4, 'no-such-message'), 'No such message');
  });

  test('marks leave counts, octets and listings; numbers stay; RSET unmarks', () => {
    const m = drop();
    m.markDeleted(1);
    m.markDeleted(3);
    m.markDeleted(3);
    m.markDeleted(99);
    assert.equal(m.count, 1);
    assert.equal(m.octets, 20);
    assert.deepEqual(
      m.listing().map((l) => l.number),
      [2],
    );
    assert.deepEqual(m.deletedUids(), [3, 8]);
    m.reset();
    assert.equal(m.count, 3);
    assert.deepEqual(m.deletedUids(), []);
  });

  test('property: count and octets always match the unmarked messages', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 10_000 }), { maxLength: 30 }),
        fc.array(fc.integer({ min: -2, max: 35 }), { maxLength: 40 }),
        (sizes, marks) => {
          const m = new Maildrop({
            mailboxId: 1,
            uidValidity: 1,
            messages: sizes.map((s, i) => message(i + 10, s)),
          });
          for (const n of marks) m.markDeleted(n);
          const kept = sizes.filter((_, i) => !marks.includes(i + 1));
          assert.equal(m.count, kept.length);
          assert.equal(
            m.octets,
            kept.reduce((a, b) => a + b, 0),
          );
          assert.equal(m.deletedUids().length, sizes.length - kept.length);
        },
      ),
    );
  });
});
