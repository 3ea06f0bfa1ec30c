import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type MailboxName, normalizeInbox } from '../../../../src/proto/imap/parse/index.ts';
import { bad, box, ok } from '../helpers.ts';

function mailbox(text: string): MailboxName {
  const c = ok(`A1 SELECT ${text}`);
  assert.ok(c.name === 'SELECT');
  return c.mailbox;
}

const utf8 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

describe('mailbox names (RFC 9051 §5.1, §9 mailbox)', () => {
  it('normalises INBOX in any case, in both readings', () => {
    assert.deepEqual(mailbox('InBoX'), box('InBoX', 'INBOX', 'INBOX'));
    assert.deepEqual(mailbox('"inbox"'), box('inbox', 'INBOX', 'INBOX'));
    assert.deepEqual(mailbox('INBOX.Sent'), box('INBOX.Sent'));
    assert.deepEqual(mailbox('inboxes'), box('inboxes'));
  });

  it('gives the UTF-8 and the modified UTF-7 reading', () => {
    assert.deepEqual(mailbox('Entw&APw-rfe'), box('Entw&APw-rfe', 'Entw&APw-rfe', 'Entwürfe'));
    assert.deepEqual(mailbox(`"${utf8('Entwürfe')}"`), box('Entwürfe', 'Entwürfe', null));
    assert.deepEqual(mailbox('Tom&-Jerry'), box('Tom&-Jerry', 'Tom&-Jerry', 'Tom&Jerry'));
    assert.deepEqual(mailbox('a&b'), box('a&b', 'a&b', null));
    assert.deepEqual(mailbox('{3+}\r\nx y'), box('x y'));
  });

  it('refuses names that are not UTF-8', () => {
    assert.match(bad('A1 SELECT "Entw\xfcrfe"'), /UTF-8/);
  });

  it('normalizeInbox handles a hierarchy separator', () => {
    assert.equal(normalizeInbox('inbox'), 'INBOX');
    assert.equal(normalizeInbox('inbox/Sub'), 'inbox/Sub');
    assert.equal(normalizeInbox('inbox/Sub', '/'), 'INBOX/Sub');
    assert.equal(normalizeInbox('inbox.Sub', '/'), 'inbox.Sub');
    assert.equal(normalizeInbox('inboxx/Sub', '/'), 'inboxx/Sub');
  });
});
