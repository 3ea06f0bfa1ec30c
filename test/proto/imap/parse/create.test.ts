import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bad, box, ok } from '../helpers.ts';

describe('CREATE (RFC 9051 §6.3.4, RFC 6154 §3)', () => {
  it('parses names with hierarchy and special-use', () => {
    assert.deepEqual(ok('A003 CREATE owatagusiam/'), {
      name: 'CREATE',
      mailbox: box('owatagusiam/'),
      specialUse: [],
    });
    assert.deepEqual(ok('t1 CREATE "Everything" (USE (\\All))'), {
      name: 'CREATE',
      mailbox: box('Everything'),
      specialUse: ['\\All'],
    });
    assert.deepEqual(ok('t1 CREATE Sent (USE (\\Sent \\Archive))'), {
      name: 'CREATE',
      mailbox: box('Sent'),
      specialUse: ['\\Sent', '\\Archive'],
    });
    assert.deepEqual(ok('t1 CREATE x (USE ())'), { name: 'CREATE', mailbox: box('x'), specialUse: [] });
  });

  it('refuses unknown parameters', () => {
    assert.match(bad('t1 CREATE x (FOO)'), /Unknown CREATE parameter/);
    bad('t1 CREATE x (USE (Sent))');
    bad('t1 CREATE x ()');
    bad('t1 CREATE');
  });
});
