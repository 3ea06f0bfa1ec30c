import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bad, box, ok } from '../helpers.ts';

describe('SUBSCRIBE / UNSUBSCRIBE (RFC 9051 §6.3.7, §6.3.8)', () => {
  it('takes one mailbox', () => {
    assert.deepEqual(ok('A002 SUBSCRIBE #news.comp.mail.mime'), {
      name: 'SUBSCRIBE',
      mailbox: box('#news.comp.mail.mime'),
    });
    assert.deepEqual(ok('A002 UNSUBSCRIBE #news.comp.mail.mime'), {
      name: 'UNSUBSCRIBE',
      mailbox: box('#news.comp.mail.mime'),
    });
    bad('A002 SUBSCRIBE');
  });
});
