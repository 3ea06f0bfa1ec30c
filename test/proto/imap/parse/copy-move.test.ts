import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bad, box, ok, seq } from '../helpers.ts';

describe('COPY and MOVE (RFC 9051 §6.4.7, §6.4.8)', () => {
  it('take a set and a mailbox', () => {
    assert.deepEqual(ok('A003 COPY 2:4 MEETING'), {
      name: 'COPY',
      uid: false,
      set: seq([2, 4]),
      mailbox: box('MEETING'),
    });
    assert.deepEqual(ok('a UID MOVE 42:69 foo'), {
      name: 'MOVE',
      uid: true,
      set: seq([42, 69]),
      mailbox: box('foo'),
    });
    assert.deepEqual(ok('a MOVE $ "Deleted Items"'), {
      name: 'MOVE',
      uid: false,
      set: { kind: 'saved' },
      mailbox: box('Deleted Items'),
    });
    bad('A003 COPY 2:4');
    bad('A003 COPY MEETING');
    bad('A003 MOVE 1 a b');
  });
});
