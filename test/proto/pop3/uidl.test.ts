/**
 * UIDL unique-ids (RFC 1939 §7) from UID and UIDVALIDITY, in Dovecot's `%08Xu%08Xv` format.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isUniqueId, uniqueId } from '../../../src/proto/pop3/uidl.ts';

describe('uniqueId', () => {
  test('UID then UIDVALIDITY, eight upper-case hex digits each', () => {
    assert.equal(uniqueId(1, 0x6b09fc05), '000000016B09FC05');
    assert.equal(uniqueId(0xffffffff, 1), 'FFFFFFFF00000001');
    assert.equal(uniqueId(255, 4096), '000000FF00001000');
  });

  test('valid RFC 1939 unique-ids (1–70 characters 0x21–0x7E)', () => {
    assert.ok(isUniqueId(uniqueId(1, 1)));
    assert.ok(!isUniqueId(''));
    assert.ok(!isUniqueId('a b'));
    assert.ok(!isUniqueId('x'.repeat(71)));
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }), (uid, v) => {
        assert.ok(isUniqueId(uniqueId(uid, v)));
        assert.equal(uniqueId(uid, v).length, 16);
      }),
    );
  });

  test('distinct messages get distinct ids; the same message always the same one', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 0xffffffff }),
        fc.nat({ max: 0xffffffff }),
        fc.nat({ max: 0xffffffff }),
        fc.nat({ max: 0xffffffff }),
        (u1, v1, u2, v2) => {
          assert.equal(uniqueId(u1, v1) === uniqueId(u2, v2), u1 === u2 && v1 === v2);
        },
      ),
    );
  });

  test('refuses values that are not non-negative safe integers', () => {
    assert.throws(() => uniqueId(-1, 1), RangeError);
    assert.throws(() => uniqueId(1.5, 1), RangeError);
    assert.throws(() => uniqueId(1, Number.NaN), RangeError);
  });
});
