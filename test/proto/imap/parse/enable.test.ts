import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bad, ok } from '../helpers.ts';

describe('ENABLE (RFC 5161)', () => {
  it('lists capability names, upper case', () => {
    assert.deepEqual(ok('t2 ENABLE CONDSTORE X-GOOD-IDEA'), {
      name: 'ENABLE',
      capabilities: ['CONDSTORE', 'X-GOOD-IDEA'],
    });
    assert.deepEqual(ok('t2 enable imap4rev2 utf8=accept'), {
      name: 'ENABLE',
      capabilities: ['IMAP4REV2', 'UTF8=ACCEPT'],
    });
  });

  it('needs at least one atom', () => {
    bad('t2 ENABLE');
    bad('t2 ENABLE "CONDSTORE"');
    bad('t2 ENABLE (CONDSTORE)');
  });
});
