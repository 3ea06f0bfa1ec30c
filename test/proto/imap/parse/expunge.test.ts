import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bad, ok, seq } from '../helpers.ts';

describe('EXPUNGE and UID EXPUNGE (RFC 9051 §6.4.3, §6.4.9; RFC 4315)', () => {
  it('parses both forms', () => {
    assert.deepEqual(ok('A202 EXPUNGE'), { name: 'EXPUNGE', uid: false });
    assert.deepEqual(ok('A003 UID EXPUNGE 3000:3002'), {
      name: 'EXPUNGE',
      uid: true,
      set: seq([3000, 3002]),
    });
    bad('A202 EXPUNGE 1:2');
    bad('A003 UID EXPUNGE');
  });
});
