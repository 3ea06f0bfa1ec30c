import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bad, ok, seq } from '../helpers.ts';

describe('STORE (RFC 9051 §6.4.6)', () => {
  it('parses the RFC examples and the three actions', () => {
    assert.deepEqual(ok('A003 STORE 2:4 +FLAGS (\\Deleted)'), {
      name: 'STORE',
      uid: false,
      set: seq([2, 4]),
      action: 'add',
      silent: false,
      flags: ['\\Deleted'],
      unchangedSince: null,
    });
    assert.deepEqual(ok('a005 store 12 +flags \\deleted'), {
      name: 'STORE',
      uid: false,
      set: seq([12, 12]),
      action: 'add',
      silent: false,
      flags: ['\\Deleted'],
      unchangedSince: null,
    });
    const replace = ok('a STORE 1 FLAGS.SILENT ()');
    assert.deepEqual(replace.name === 'STORE' && [replace.action, replace.silent, replace.flags], [
      'replace',
      true,
      [],
    ]);
    const remove = ok('a STORE * -FLAGS $Junk \\Seen');
    assert.deepEqual(remove.name === 'STORE' && [remove.action, remove.flags], [
      'remove',
      ['$Junk', '\\Seen'],
    ]);
  });

  it('parses UNCHANGEDSINCE (RFC 7162 §3.1.3)', () => {
    assert.deepEqual(ok('a103 UID STORE 6,4,8 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT (\\Deleted)'), {
      name: 'STORE',
      uid: true,
      set: seq([6, 6], [4, 4], [8, 8]),
      action: 'add',
      silent: true,
      flags: ['\\Deleted'],
      unchangedSince: 12121230045n,
    });
    const zero = ok('a STORE 1 (UNCHANGEDSINCE 0) FLAGS ()');
    assert.equal(zero.name === 'STORE' && zero.unchangedSince, 0n);
    // RFC 7162 §7: only a single UNCHANGEDSINCE per STORE.
    assert.match(bad('a STORE 1 (UNCHANGEDSINCE 2 UNCHANGEDSINCE 2) +FLAGS (\\Seen)'), /twice/);
  });

  it('refuses malformed commands', () => {
    assert.match(bad('a STORE 1 +FLAGS \\Recent'), /Invalid system flag/);
    bad('a STORE 1 +FLAGS \\Foo');
    bad('a STORE 1 *FLAGS \\Seen');
    bad('a STORE 1 +FLAGSX \\Seen');
    bad('a STORE 1 +FLAGS.LOUD \\Seen');
    bad('a STORE 1 +FLAGS');
    bad('a STORE 1 +FLAGS (\\Seen');
    bad('a STORE 1 (FOO 1) +FLAGS \\Seen');
    bad('a STORE 0 +FLAGS \\Seen');
    bad('a STORE 1 +FLAGS "x"');
  });
});
