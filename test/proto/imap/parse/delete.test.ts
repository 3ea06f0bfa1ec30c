import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bad, box, ok } from '../helpers.ts';

describe('DELETE (RFC 9051 §6.3.5)', () => {
  it('takes one mailbox', () => {
    assert.deepEqual(ok('A682 DELETE blurdybloop'), { name: 'DELETE', mailbox: box('blurdybloop') });
    assert.deepEqual(ok('A683 DELETE "foo bar"'), { name: 'DELETE', mailbox: box('foo bar') });
    bad('A684 DELETE');
    bad('A684 DELETE a b');
  });
});
