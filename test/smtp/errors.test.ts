/**
 * The one mapping from domain errors to SMTP replies: a table test.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ErrorCode, fromSystemError, LoftError } from '../../src/core/errors.ts';
import { replyForError } from '../../src/server/smtp/errors.ts';

test('every domain error maps to its SMTP reply', () => {
  const table: [ErrorCode, string, number, string][] = [
    ['NOSPACE', 'disk full', 452, '4.3.1'],
    ['TEMP', 'database busy', 451, '4.3.0'],
    ['PERM', 'too many hops: mail loop detected', 554, '5.4.6'],
    ['PERM', 'refused', 554, '5.3.0'],
    ['INVALID', 'bad', 501, '5.5.4'],
    ['NOTFOUND', 'no such user', 550, '5.1.1'],
    ['INTERNAL', 'bug', 451, '4.3.0'],
    ['EXISTS', 'odd', 451, '4.3.0'],
  ];
  for (const [code, message, reply, enhanced] of table) {
    const mapped = replyForError(new LoftError(code, message));
    assert.deepEqual([mapped.code, mapped.enhanced], [reply, enhanced], `${code} ${message}`);
  }
  assert.equal(replyForError(new Error('anything')).code, 451, 'unknown errors are temporary, never 250');
});

test('internal errors never show their detail to the client', () => {
  const reply = replyForError(new LoftError('INTERNAL', 'SQL syntax error near SELECT secret'));
  assert.doesNotMatch(reply.text, /SQL|secret/);
});

test('system errors become domain errors: ENOSPC → NOSPACE (452), EIO → TEMP (451)', () => {
  const enospc = Object.assign(new Error('write failed'), { code: 'ENOSPC' });
  const eio = Object.assign(new Error('fsync failed'), { code: 'EIO' });
  assert.equal(replyForError(fromSystemError(enospc, 'writing')).code, 452);
  assert.equal(replyForError(fromSystemError(eio, 'fsync')).code, 451);
  assert.equal(replyForError(fromSystemError(new Error('weird'), 'x')).enhanced, '4.3.0');
});
