import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bad, box, ok } from '../helpers.ts';

describe('STATUS (RFC 9051 §6.3.11)', () => {
  it('parses the items, upper case, without repeats', () => {
    assert.deepEqual(ok('A042 STATUS blurdybloop (UIDNEXT MESSAGES)'), {
      name: 'STATUS',
      mailbox: box('blurdybloop'),
      items: ['UIDNEXT', 'MESSAGES'],
    });
    const all = ok(
      'A1 STATUS INBOX (messages recent uidnext uidvalidity unseen deleted size highestmodseq appendlimit uidnext)',
    );
    assert.deepEqual(all.name === 'STATUS' && all.items, [
      'MESSAGES',
      'RECENT',
      'UIDNEXT',
      'UIDVALIDITY',
      'UNSEEN',
      'DELETED',
      'SIZE',
      'HIGHESTMODSEQ',
      'APPENDLIMIT',
    ]);
  });

  it('refuses unknown, missing or empty items', () => {
    assert.match(bad('A1 STATUS INBOX (MESSAGES FOO)'), /Unknown status item FOO/);
    bad('A1 STATUS INBOX ()');
    bad('A1 STATUS INBOX MESSAGES');
    bad('A1 STATUS INBOX');
  });
});
