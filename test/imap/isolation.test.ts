/**
 * User isolation: no command of one user reaches another user's mailboxes. Names that exist
 * only for the other user are NO [NONEXISTENT] (or absent from listings) for SELECT, EXAMINE,
 * STATUS, LIST, LSUB; path tricks (`..`, the other address as a prefix) lead nowhere; SASL
 * cannot be used to act as someone else; deliveries to the other user are never reported.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { deliver } from '../pop3/support.ts';
import { ImapDialog } from './dialog.ts';

let server: TestServer;
const BOB_ONLY = ['Bob Secret', 'Projects/Bob', 'Projects'];

before(async () => {
  server = await startTestServer({ auth: { max_failures_per_ip: 1000 } });
  await provision(server, ['loft.test'], ['alice@loft.test', 'bob@loft.test']);
  const bob = await server.services.directory.getAccount('bob@loft.test');
  assert.ok(bob);
  await server.services.mailboxes.createMailbox(bob.id, 'Bob Secret');
  await server.services.mailboxes.createMailbox(bob.id, 'Projects/Bob');
  await server.services.mailboxes.setSubscribed(bob.id, 'Bob Secret', true);
  await deliver(server, 'alice@loft.test', 'Subject: for alice\r\n\r\nhers');
  await deliver(server, 'bob@loft.test', 'Subject: bob only 7f3a\r\n\r\nhis');
  await deliver(server, 'bob@loft.test', 'Subject: bob only again\r\n\r\nhis');
});
after(() => server.close());

const alice = () => ImapDialog.login(server.ports.imap!, 'alice@loft.test');
const q = (name: string) => `"${name}"`;

describe('names that exist only for another user', () => {
  test('SELECT, EXAMINE and STATUS answer NO', async () => {
    const imap = await alice();
    for (const name of BOB_ONLY.filter((n) => n !== 'Projects')) {
      await imap.expect(`SELECT ${q(name)}`, 'NO', /\[NONEXISTENT\]/);
      await imap.expect(`EXAMINE ${q(name)}`, 'NO', /\[NONEXISTENT\]/);
      const status = await imap.expect(`STATUS ${q(name)} (MESSAGES UIDNEXT)`, 'NO');
      assert.deepEqual(status.untagged, [], 'no STATUS data leaks');
    }
    // A failed SELECT leaves nothing selected (RFC 9051 §6.3.2).
    await imap.expect('FETCH 1 FLAGS', 'BAD', /Select a mailbox first/);
    await imap.logout();
  });

  test('LIST and LSUB show only her own mailboxes', async () => {
    const imap = await alice();
    const all = await imap.ok('LIST "" "*"');
    const names = all.untagged.map((l) => /"\/" "?([^"]*)"?$/.exec(l)?.[1]);
    assert.deepEqual(names.sort(), ['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
    for (const pattern of ['Bob*', 'Projects', 'Projects/%', '%/%', '*Secret*']) {
      assert.deepEqual((await imap.ok(`LIST "" ${q(pattern)}`)).untagged, [], pattern);
    }
    assert.deepEqual(
      (await imap.ok('LSUB "" "*"')).untagged.filter((l) => /Bob/.test(l)),
      [],
    );
    const subscribed = await imap.ok('LIST (SUBSCRIBED) "" "*"');
    assert.ok(!subscribed.untagged.some((l) => /Bob/.test(l)), subscribed.untagged.join(' | '));
    // Bob himself sees them: the names really exist.
    const bob = await ImapDialog.login(server.ports.imap!, 'bob@loft.test');
    const his = await bob.ok('LIST "" "*"');
    assert.ok(
      his.untagged.some((l) => l.endsWith('"Bob Secret"')),
      his.untagged.join(' | '),
    );
    assert.ok(
      his.untagged.some((l) => l.endsWith('"Projects/Bob"')),
      his.untagged.join(' | '),
    );
    await bob.logout();
    await imap.logout();
  });

  test('path tricks lead nowhere: "..", the other address, other namespaces', async () => {
    const imap = await alice();
    const namespace = await imap.ok('NAMESPACE');
    assert.deepEqual(namespace.untagged, ['* NAMESPACE (("" "/")) NIL NIL'], 'no other-users namespace');
    const tricks = [
      '../bob@loft.test/INBOX',
      '../bob@loft.test/Bob Secret',
      'bob@loft.test/INBOX',
      'bob@loft.test/Bob Secret',
      '~bob/INBOX',
      '~bob@loft.test/INBOX',
      '#shared/bob/INBOX',
      '/bob@loft.test/INBOX',
      'INBOX/../../bob@loft.test/INBOX',
      '../../Bob Secret',
    ];
    for (const name of tricks) {
      await imap.expect(`SELECT ${q(name)}`, 'NO');
      await imap.expect(`STATUS ${q(name)} (MESSAGES)`, 'NO');
    }
    for (const [reference, pattern] of [
      ['bob@loft.test/', '*'],
      ['../', '*'],
      ['~bob/', '*'],
      ['', '../*'],
      ['', 'bob@loft.test/*'],
    ] as const) {
      assert.deepEqual(
        (await imap.ok(`LIST ${q(reference)} ${q(pattern)}`)).untagged,
        [],
        `${reference}|${pattern}`,
      );
    }
    await imap.logout();
  });

  test('her INBOX has only her messages, and his deliveries are never reported to her', async () => {
    const imap = await alice();
    const select = await imap.ok('SELECT INBOX');
    assert.ok(select.untagged.includes('* 1 EXISTS'), select.untagged.join(' | '));
    const headers = await imap.ok('FETCH 1:* BODY.PEEK[HEADER.FIELDS (SUBJECT)]');
    assert.ok(!headers.untagged.some((l) => /bob only/.test(l)));
    assert.ok(headers.untagged.some((l) => /for alice/.test(l)));
    // UIDs are per mailbox: her UID 2 does not exist, even though his does.
    assert.deepEqual((await imap.ok('UID FETCH 2 (UID)')).untagged, []);
    await deliver(server, 'bob@loft.test', 'Subject: bob only later\r\n\r\nhis');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual((await imap.ok('NOOP')).untagged, []);
    await imap.logout();
  });

  test('SASL cannot act for another user (authzid ≠ authcid)', async () => {
    const imap = await ImapDialog.greeted(server.ports.imap!);
    const plain = Buffer.from('bob@loft.test\0alice@loft.test\0secret').toString('base64');
    await imap.expect(`AUTHENTICATE PLAIN ${plain}`, 'NO');
    await imap.expect('SELECT INBOX', 'BAD', /Log in first/);
    await imap.expect('LOGIN bob@loft.test secret-of-alice', 'NO');
    await imap.logout();
  });
});

describe('mailbox management never crosses users', () => {
  test('CREATE of a name he has makes her own, empty one', async () => {
    const imap = await alice();
    await imap.ok(`CREATE ${q('Bob Secret')}`);
    const status = await imap.ok(`STATUS ${q('Bob Secret')} (MESSAGES)`);
    assert.deepEqual(status.untagged, ['* STATUS "Bob Secret" (MESSAGES 0)']);
    const bob = await ImapDialog.login(server.ports.imap!, 'bob@loft.test');
    await bob.ok(`SELECT ${q('Bob Secret')}`);
    await bob.logout();
    await imap.ok(`DELETE ${q('Bob Secret')}`);
    for (const name of ['../bob@loft.test/Evil', 'bob@loft.test/../../Evil', 'a/../../b']) {
      await imap.expect(`CREATE ${q(name)}`, 'NO', /\[CANNOT\]/);
    }
    const still = await ImapDialog.login(server.ports.imap!, 'bob@loft.test');
    await still.ok(`STATUS ${q('Bob Secret')} (MESSAGES)`);
    await still.logout();
    await imap.logout();
  });

  test('DELETE, RENAME, SUBSCRIBE of his names do not touch his', async () => {
    const imap = await alice();
    await imap.expect(`DELETE ${q('Projects/Bob')}`, 'NO', /\[NONEXISTENT\]/);
    await imap.expect(`RENAME ${q('Projects/Bob')} Mine`, 'NO', /\[NONEXISTENT\]/);
    await imap.expect('RENAME "../bob@loft.test/INBOX" Mine', 'NO');
    await imap.ok(`UNSUBSCRIBE ${q('Bob Secret')}`);
    await imap.logout();
    const bob = await ImapDialog.login(server.ports.imap!, 'bob@loft.test');
    const his = await bob.ok('LIST "" "*"');
    assert.ok(his.untagged.some((l) => l.endsWith('"Projects/Bob"')));
    const lsub = await bob.ok('LSUB "" "*"');
    assert.ok(
      lsub.untagged.some((l) => l.endsWith('"Bob Secret"')),
      'his subscription kept',
    );
    await bob.logout();
  });

  test('APPEND, COPY and MOVE into his names: NO [TRYCREATE]', async () => {
    const imap = await alice();
    await imap.ok('SELECT INBOX');
    imap.write(`a1 APPEND ${q('Projects/Bob')} {12+}\r\nSubject: x\r\n\r\n`);
    assert.match((await imap.until('a1')).tagged, /^a1 NO \[TRYCREATE\]/);
    await imap.expect(`COPY 1 ${q('Projects/Bob')}`, 'NO', /\[TRYCREATE\]/);
    await imap.expect(`MOVE 1 ${q('Projects/Bob')}`, 'NO', /\[TRYCREATE\]/);
    await imap.expect('COPY 1 "../bob@loft.test/INBOX"', 'NO');
    await imap.logout();
    const bob = await ImapDialog.login(server.ports.imap!, 'bob@loft.test');
    const status = await bob.ok(`STATUS ${q('Projects/Bob')} (MESSAGES)`);
    assert.deepEqual(status.untagged, ['* STATUS "Projects/Bob" (MESSAGES 0)']);
    await bob.logout();
  });
});
