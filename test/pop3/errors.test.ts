/**
 * The one mapping of domain errors to POP3 `-ERR` responses (RFC 2449 §8, RFC 3206), as a table.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ErrorCode, LoftError } from '../../src/core/errors.ts';
import { responseForError } from '../../src/server/pop3/errors.ts';

const TABLE: [ErrorCode | 'plain Error', string | undefined, RegExp][] = [
  ['TEMP', 'SYS/TEMP', /^Temporary storage problem/],
  ['NOSPACE', 'SYS/TEMP', /^Temporary storage problem/],
  ['PERM', 'SYS/PERM', /^Permanent storage problem/],
  ['INUSE', 'IN-USE', /^Maildrop is in use/],
  ['NOTFOUND', undefined, /^Message was removed by another session/],
  ['EXPUNGED', undefined, /^Message was removed by another session/],
  ['AUTH', 'AUTH', /^Authentication failed/],
  ['INVALID', 'SYS/TEMP', /^Internal error/],
  ['EXISTS', 'SYS/TEMP', /^Internal error/],
  ['INTERNAL', 'SYS/TEMP', /^Internal error/],
  ['plain Error', 'SYS/TEMP', /^Internal error/],
];

test('every domain error code maps to a fixed response; details never reach the client', () => {
  for (const [code, respCode, text] of TABLE) {
    const secret = 'detail /var/lib/loft/blobs/x';
    const err = code === 'plain Error' ? new Error(secret) : new LoftError(code, secret);
    const response = responseForError(err);
    assert.equal(response.code, respCode, code);
    assert.match(response.text, text, code);
    assert.ok(!response.text.includes('/var/lib'), `${code} hides the detail`);
  }
  assert.equal(responseForError('a string').code, 'SYS/TEMP');
});
