import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bad, box, ok } from '../helpers.ts';

describe('RENAME (RFC 9051 §6.3.6)', () => {
  it('takes two mailboxes', () => {
    assert.deepEqual(ok('A683 RENAME blurdybloop sarasoop'), {
      name: 'RENAME',
      from: box('blurdybloop'),
      to: box('sarasoop'),
    });
    assert.deepEqual(ok('Z432 RENAME INBOX old-mail'), {
      name: 'RENAME',
      from: box('INBOX'),
      to: box('old-mail'),
    });
    bad('Z432 RENAME INBOX');
    bad('Z432 RENAME a b c');
  });
});
