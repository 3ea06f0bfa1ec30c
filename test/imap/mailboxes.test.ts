/**
 * Mailbox management against a real server: CREATE (with CREATE-SPECIAL-USE), DELETE, RENAME
 * (children, INBOX), SUBSCRIBE/UNSUBSCRIBE, the mailbox name rules (NO [CANNOT]), NFC
 * comparison, and user isolation. Plus the pure name checks of `mailbox-names.ts`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { ImapFlow } from 'imapflow';
import { checkMailboxName, MAX_NAME_LEVELS, MAX_NAME_OCTETS } from '../../src/server/imap/mailbox-names.ts';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { message, Session } from './support.ts';

describe('checkMailboxName', () => {
  test('accepts ordinary names and gives their canonical spelling', () => {
    assert.deepEqual(checkMailboxName('Work/2024'), { ok: true, name: 'Work/2024' });
    assert.deepEqual(checkMailboxName('inbox'), { ok: true, name: 'INBOX' });
    assert.deepEqual(checkMailboxName('Inbox/Sub'), { ok: true, name: 'INBOX/Sub' });
    assert.deepEqual(checkMailboxName('Cafe\u0301'), { ok: true, name: 'Caf\u00e9' }, 'NFC');
    assert.deepEqual(
      checkMailboxName('a.b/..c'),
      { ok: true, name: 'a.b/..c' },
      'dots inside a level are fine',
    );
  });

  test('drops one trailing delimiter only when asked', () => {
    assert.deepEqual(checkMailboxName('a/', { newName: true }), { ok: true, name: 'a' });
    assert.equal(checkMailboxName('a/').ok, false);
    assert.equal(checkMailboxName('a//', { newName: true }).ok, false);
    assert.equal(checkMailboxName('/', { newName: true }).ok, false);
  });

  test('refuses the line and paragraph separators in new names only (RFC 6855 §3), so old ones can still be removed', () => {
    for (const name of ['a\u2028b', 'a\u2029b']) {
      assert.equal(checkMailboxName(name, { newName: true }).ok, false);
      assert.equal(checkMailboxName(name).ok, true);
    }
  });

  test('refuses empty levels, dot levels, controls, wildcards, and oversized names', () => {
    for (const bad of [
      '',
      'a//b',
      '/a',
      'a/',
      '.',
      '..',
      'a/./b',
      'a/../b',
      'a\u0000b',
      'a\tb',
      'a\u007fb',
      'a\u0085b',
      'a%',
      'a*b',
    ]) {
      assert.equal(checkMailboxName(bad).ok, false, JSON.stringify(bad));
    }
    assert.equal(checkMailboxName('x'.repeat(MAX_NAME_OCTETS)).ok, true);
    assert.equal(checkMailboxName('x'.repeat(MAX_NAME_OCTETS + 1)).ok, false);
    assert.equal(checkMailboxName('\u00e9'.repeat(128)).ok, false, '256 octets in UTF-8');
    assert.equal(checkMailboxName(Array(MAX_NAME_LEVELS).fill('a').join('/')).ok, true);
    assert.equal(
      checkMailboxName(
        Array(MAX_NAME_LEVELS + 1)
          .fill('a')
          .join('/'),
      ).ok,
      false,
    );
  });

  test('property: an accepted name is stable and has no empty or dot level', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (raw) => {
        const checked = checkMailboxName(raw);
        if (!checked.ok) return;
        assert.deepEqual(checkMailboxName(checked.name), checked, 'idempotent');
        assert.equal(checked.name, checked.name.normalize('NFC'));
        for (const level of checked.name.split('/'))
          assert.ok(level !== '' && level !== '.' && level !== '..');
      }),
    );
  });
});

describe('mailbox management over IMAP', () => {
  let server: TestServer;
  let port: number;

  before(async () => {
    server = await startTestServer();
    await provision(
      server,
      ['loft.test'],
      ['alice@loft.test', 'bob@loft.test', 'carol@loft.test', 'frank@loft.test'],
    );
    port = server.ports.imap!;
  });
  after(() => server.close());

  test('CREATE: a new mailbox, then ALREADYEXISTS; INBOX in any case cannot be created', async () => {
    const s = await Session.login(port, 'alice@loft.test');
    try {
      await s.ok('CREATE Projects');
      assert.ok((await s.list()).has('Projects'));
      await s.expect(/^NO \[ALREADYEXISTS\]/, 'CREATE Projects');
      await s.expect(/^NO \[ALREADYEXISTS\]/, 'CREATE INBOX');
      await s.expect(/^NO \[ALREADYEXISTS\]/, 'CREATE inBox');
      await s.expect(/^OK \[READ-WRITE\]/, 'SELECT Projects');
    } finally {
      await s.logout();
    }
  });

  test('CREATE a/b/c creates only the leaf; superiors are listed as not existing', async () => {
    const s = await Session.login(port, 'alice@loft.test');
    try {
      await s.ok('CREATE deep/er/leaf');
      const plain = await s.list('LIST "" "deep*"');
      assert.equal(plain.get('deep/er/leaf'), '\\HasNoChildren');
      assert.equal(plain.get('deep'), '\\Noselect \\HasChildren');
      const extended = await s.list('LIST "" "deep*" RETURN (CHILDREN)');
      assert.equal(extended.get('deep/er'), '\\NonExistent \\HasChildren');
      await s.expect(/^NO \[NONEXISTENT\]/, 'SELECT deep/er');
      await s.expect(/^NO \[NONEXISTENT\]/, 'STATUS deep (MESSAGES)');
      // The superior can be created afterwards.
      await s.ok('CREATE deep');
      assert.equal((await s.list('LIST "" "deep"')).get('deep'), '\\HasChildren');
    } finally {
      await s.logout();
    }
  });

  test('CREATE ignores a trailing hierarchy delimiter', async () => {
    const s = await Session.login(port, 'alice@loft.test');
    try {
      await s.ok('CREATE Trailing/');
      const names = await s.list('LIST "" "Trailing*"');
      assert.deepEqual([...names.keys()], ['Trailing']);
    } finally {
      await s.logout();
    }
  });

  test('CREATE-SPECIAL-USE: \\Sent accepted, unknown or several uses NO [USEATTR] and nothing created', async () => {
    const s = await Session.login(port, 'alice@loft.test');
    try {
      await s.ok('CREATE "Sent Items" (USE (\\sent))');
      assert.equal((await s.list('LIST "" "Sent Items"')).get('Sent Items'), '\\HasNoChildren \\Sent');
      await s.expect(/^NO \[USEATTR\]/, 'CREATE Odd (USE (\\Bogus))');
      await s.expect(/^NO \[USEATTR\]/, 'CREATE Two (USE (\\Sent \\Trash))');
      const names = await s.list();
      assert.ok(!names.has('Odd') && !names.has('Two'));
      await s.expect(/^BAD/, 'CREATE Three (FOO (\\Sent))');
    } finally {
      await s.logout();
    }
  });

  test('names with empty or dot levels, controls, wildcards, too long or too deep: NO [CANNOT]', async () => {
    const s = await Session.login(port, 'alice@loft.test');
    try {
      const bad = [
        '"a//b"',
        '"/lead"',
        '"x/./y"',
        '"x/../y"',
        '".."',
        '"w%"',
        '"w*x"',
        `"${'n'.repeat(MAX_NAME_OCTETS + 1)}"`,
        `"${Array(MAX_NAME_LEVELS + 1)
          .fill('l')
          .join('/')}"`,
      ];
      for (const name of bad) {
        await s.expect(/^NO \[CANNOT\]/, `CREATE ${name}`);
        await s.expect(/^NO \[CANNOT\]/, `RENAME Projects ${name}`);
        await s.expect(/^NO \[CANNOT\]/, `SUBSCRIBE ${name}`);
      }
      // A control character can only come in a literal.
      await s.expect(/^NO \[CANNOT\]/, 'CREATE {3}', 'a\tb');
      await s.expect(/^NO \[CANNOT\]/, 'CREATE {3}', 'a\x01b');
      const names = await s.list();
      for (const name of names.keys()) assert.ok(!/[\t\x01%*]|\/\/|^\.\.$/.test(name), name);
    } finally {
      await s.logout();
    }
  });

  test('invalid modified UTF-7 from an IMAP4rev1 client is NO [CANNOT]; the same bytes are a fine UTF-8 name', async () => {
    const s = await Session.login(port, 'alice@loft.test');
    try {
      await s.expect(/^NO \[CANNOT\]/, 'CREATE "bad&name"');
      await s.expect(/^NO \[CANNOT\]/, 'APPEND "bad&name" {1+}\r\nx');
      await s.ok('CREATE "Caf&AOk-"');
      assert.ok((await s.list('LIST "" "Caf*"')).has('Caf&AOk-'), 'rev1 LIST spells it in modified UTF-7');
      await s.ok('ENABLE UTF8=ACCEPT');
      assert.ok((await s.list('LIST "" "Caf*"')).has('Café'));
      await s.ok('CREATE "bad&name"');
      await s.ok('DELETE "bad&name"');
    } finally {
      await s.logout();
    }
  });

  test('names are compared after NFC normalisation', async () => {
    const s = await Session.login(port, 'alice@loft.test');
    try {
      await s.ok('ENABLE UTF8=ACCEPT');
      await s.ok('CREATE "Re\u0301sume\u0301"'); // decomposed
      await s.expect(/^NO \[ALREADYEXISTS\]/, 'CREATE "R\u00e9sum\u00e9"'); // composed
      await s.ok('SELECT "R\u00e9sum\u00e9"');
      await s.ok('STATUS "Re\u0301sume\u0301" (MESSAGES)');
      const names = await s.list('LIST "" "R*"');
      assert.ok(names.has('R\u00e9sum\u00e9'), 'stored composed');
    } finally {
      await s.logout();
    }
  });

  test('DELETE: INBOX refused, unknown name NONEXISTENT, inferiors survive', async () => {
    const s = await Session.login(port, 'alice@loft.test');
    try {
      await s.expect(/^NO \[CANNOT\]/, 'DELETE INBOX');
      await s.expect(/^NO \[CANNOT\]/, 'DELETE inbox');
      await s.expect(/^NO \[NONEXISTENT\]/, 'DELETE Nowhere');
      await s.ok('CREATE parent');
      await s.ok('CREATE parent/child');
      await s.ok('DELETE parent');
      const names = await s.list('LIST "" "parent*"');
      assert.equal(names.get('parent'), '\\Noselect \\HasChildren');
      assert.equal(names.get('parent/child'), '\\HasNoChildren');
      // RFC 9051 §6.3.5: a name with inferiors that is not a mailbox cannot be deleted.
      await s.expect(/^NO \[NONEXISTENT\]/, 'DELETE parent');
      await s.ok('DELETE parent/child');
      assert.equal((await s.list('LIST "" "parent*"')).size, 0);
    } finally {
      await s.logout();
    }
  });

  test('DELETE removes the messages; a new mailbox of that name has a new UIDVALIDITY', async () => {
    const s = await Session.login(port, 'alice@loft.test');
    try {
      await s.ok('CREATE Gone');
      await s.append('Gone', message('one'));
      const before = await s.ok('STATUS Gone (UIDVALIDITY MESSAGES)');
      await s.ok('DELETE Gone');
      await s.expect(/^NO \[NONEXISTENT\]/, 'STATUS Gone (MESSAGES)');
      await s.ok('CREATE Gone');
      const afterwards = await s.ok('STATUS Gone (UIDVALIDITY MESSAGES)');
      const validity = (r: { untagged: string[] }) => /UIDVALIDITY (\d+)/.exec(r.untagged.join(' '))![1];
      assert.notEqual(validity(afterwards), validity(before));
      assert.match(afterwards.untagged.join(' '), /MESSAGES 0/);
    } finally {
      await s.logout();
    }
  });

  test('DELETE of the selected mailbox leaves the selected state; another session sees EXPUNGE', async () => {
    const a = await Session.login(port, 'alice@loft.test');
    const b = await Session.login(port, 'alice@loft.test');
    try {
      await a.ok('CREATE Doomed');
      await a.append('Doomed', message('doomed'));
      await b.ok('SELECT Doomed');
      await a.ok('SELECT Doomed');
      await a.ok('DELETE Doomed');
      await a.expect(/^BAD .*[Ss]elect/, 'FETCH 1 FLAGS');
      const noop = await b.ok('NOOP');
      assert.ok(noop.untagged.includes('* 1 EXPUNGE'), noop.untagged.join(' | '));
    } finally {
      await a.logout();
      await b.logout();
    }
  });

  test('RENAME moves a mailbox with its inferiors, keeps UIDVALIDITY and subscriptions', async () => {
    const s = await Session.login(port, 'alice@loft.test');
    try {
      await s.ok('CREATE Old');
      await s.ok('CREATE Old/Kid');
      await s.ok('CREATE Old/Kid/Grand');
      await s.ok('CREATE Older'); // shares the prefix, is not an inferior
      await s.ok('SUBSCRIBE Old/Kid');
      await s.append('Old/Kid', message('kid'));
      const validity = /UIDVALIDITY (\d+)/.exec(
        (await s.ok('STATUS Old/Kid (UIDVALIDITY)')).untagged[0]!,
      )![1];
      await s.ok('RENAME Old New');
      const names = await s.list();
      for (const name of ['New', 'New/Kid', 'New/Kid/Grand', 'Older']) assert.ok(names.has(name), name);
      for (const name of ['Old', 'Old/Kid', 'Old/Kid/Grand']) assert.ok(!names.has(name), name);
      const status = await s.ok('STATUS New/Kid (UIDVALIDITY MESSAGES)');
      assert.match(status.untagged[0]!, new RegExp(`UIDVALIDITY ${validity}\\b`));
      assert.match(status.untagged[0]!, /MESSAGES 1/);
      const lsub = await s.list('LSUB "" "*"');
      assert.ok(lsub.has('New/Kid') && !lsub.has('Old/Kid'), [...lsub.keys()].join(','));
    } finally {
      await s.logout();
    }
  });

  test('RENAME errors: target exists, source missing, into itself, onto INBOX', async () => {
    const s = await Session.login(port, 'alice@loft.test');
    try {
      await s.ok('CREATE R1');
      await s.ok('CREATE R2');
      await s.expect(/^NO \[ALREADYEXISTS\]/, 'RENAME R1 R2');
      await s.expect(/^NO \[ALREADYEXISTS\]/, 'RENAME R1 inbox');
      await s.expect(/^NO \[NONEXISTENT\]/, 'RENAME Missing R3');
      await s.expect(/^NO \[CANNOT\]/, 'RENAME R1 R1/sub');
      // An inferior of the source whose new name is taken: nothing is renamed.
      await s.ok('CREATE R1/c');
      await s.ok('CREATE R3/c');
      await s.expect(/^NO \[ALREADYEXISTS\]/, 'RENAME R1 R3');
      const names = await s.list('LIST "" "R*"');
      assert.ok(names.has('R1') && names.has('R1/c') && !names.has('R3/R1'));
    } finally {
      await s.logout();
    }
  });

  test('RENAME INBOX moves its messages to a new mailbox, leaves INBOX empty and its inferiors alone', async () => {
    const s = await Session.login(port, 'bob@loft.test');
    try {
      await s.append('INBOX', message('first'));
      await s.append('INBOX', message('second'));
      await s.ok('CREATE INBOX/Keep');
      await s.ok('RENAME inbox "Old Mail"');
      const old = await s.ok('STATUS "Old Mail" (MESSAGES)');
      assert.match(old.untagged[0]!, /MESSAGES 2/);
      const inbox = await s.ok('STATUS INBOX (MESSAGES)');
      assert.match(inbox.untagged[0]!, /MESSAGES 0/);
      const names = await s.list();
      assert.ok(names.has('INBOX') && names.has('INBOX/Keep') && names.has('Old Mail'));
      await s.ok('STATUS inbox/Keep (MESSAGES)'); // INBOX as the first level is case-insensitive
      await s.ok('SELECT "Old Mail"');
      const fetched = await s.ok('FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])');
      assert.match(fetched.untagged.join('\n'), /Subject: first[\s\S]*Subject: second/);
    } finally {
      await s.logout();
    }
  });

  test('SUBSCRIBE and UNSUBSCRIBE: names need not exist; unsubscribing twice is OK', async () => {
    const s = await Session.login(port, 'alice@loft.test');
    try {
      await s.ok('SUBSCRIBE Phantom');
      const lsub = await s.list('LSUB "" "Phantom"');
      assert.equal(lsub.get('Phantom'), '\\Noselect');
      const list = await s.list('LIST (SUBSCRIBED) "" "Phantom"');
      assert.match(list.get('Phantom') ?? '', /\\NonExistent.*\\Subscribed/);
      await s.ok('UNSUBSCRIBE Phantom');
      await s.ok('UNSUBSCRIBE Phantom');
      await s.ok('UNSUBSCRIBE "never//subscribed"');
      assert.equal((await s.list('LSUB "" "Phantom"')).size, 0);
    } finally {
      await s.logout();
    }
  });

  test('user isolation: another account never sees or reaches these mailboxes', async () => {
    const alice = await Session.login(port, 'alice@loft.test');
    const carol = await Session.login(port, 'carol@loft.test');
    try {
      await alice.ok('CREATE Private');
      await alice.append('Private', message('secret'));
      const names = await carol.list();
      assert.ok(!names.has('Private'));
      await carol.expect(/^NO \[NONEXISTENT\]/, 'SELECT Private');
      await carol.expect(/^NO \[NONEXISTENT\]/, 'DELETE Private');
      await carol.expect(/^NO \[NONEXISTENT\]/, 'RENAME Private Mine');
      await carol.expect(/^NO \[TRYCREATE\]/, 'APPEND Private {1+}\r\nx');
      await carol.ok('CREATE Private');
      const status = await alice.ok('STATUS Private (MESSAGES)');
      assert.match(status.untagged[0]!, /MESSAGES 1/);
      await carol.ok('DELETE Private');
      await alice.ok('STATUS Private (MESSAGES)');
    } finally {
      await alice.logout();
      await carol.logout();
    }
  });

  test('commands need the right state', async () => {
    const s = await Session.login(port, 'alice@loft.test');
    try {
      await s.expect(/^BAD/, 'COPY 1 INBOX');
      await s.expect(/^BAD/, 'MOVE 1 INBOX');
    } finally {
      await s.logout();
    }
  });

  test('LIST-EXTENDED, LIST-STATUS and CHILDREN over created and subscribed names (RFC 5258 §5, RFC 5819)', async () => {
    const s = await Session.login(port, 'frank@loft.test');
    try {
      await s.ok('CREATE Foo/Bar');
      await s.ok('CREATE Baz');
      await s.ok('CREATE Quiet');
      await s.append('Baz', message('baz'));
      for (const name of ['Foo/Bar', 'Baz', 'Gone']) await s.ok(`SUBSCRIBE ${name}`);
      const subscribed = await s.list('LIST (SUBSCRIBED) "" "*"');
      for (const name of ['Baz', 'Foo/Bar', 'Gone']) assert.ok(subscribed.has(name), name);
      assert.ok(!subscribed.has('Foo') && !subscribed.has('Quiet'));
      assert.match(subscribed.get('Gone')!, /\\NonExistent/);
      for (const attrs of subscribed.values()) assert.match(attrs, /\\Subscribed/);
      // RECURSIVEMATCH: Foo is not subscribed but has a subscribed child.
      const recursive = await s.ok('LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"');
      const foo = recursive.untagged.find((l) => / "?Foo"?( |$)/.test(l));
      assert.match(foo ?? '', /\("?CHILDINFO"? \("SUBSCRIBED"\)\)$/);
      assert.ok(!recursive.untagged.some((l) => / "?Quiet"?$/.test(l)), 'unsubscribed names are left out');
      // LIST-STATUS: a STATUS right after each existing mailbox, none for a name that is not one.
      const withStatus = await s.ok('LIST "" "%" RETURN (CHILDREN STATUS (MESSAGES UIDNEXT))');
      const bazAt = withStatus.untagged.findIndex((l) => /^\* LIST .* "?Baz"?$/.test(l));
      assert.match(withStatus.untagged[bazAt + 1] ?? '', /^\* STATUS "?Baz"? \(MESSAGES 1 UIDNEXT 2\)$/);
      const fooAt = withStatus.untagged.findIndex((l) => /^\* LIST .* "?Foo"?$/.test(l));
      assert.match(withStatus.untagged[fooAt]!, /\\NonExistent \\HasChildren/);
      assert.ok(!withStatus.untagged[fooAt + 1]?.startsWith('* STATUS'));
      const special = await s.list('LIST (SPECIAL-USE) "" "*"');
      assert.deepEqual([...special.keys()].sort(), ['Archive', 'Drafts', 'Junk', 'Sent', 'Trash']);
      const returned = await s.list('LIST "" "*" RETURN (SUBSCRIBED)');
      assert.match(returned.get('Baz')!, /\\Subscribed/);
      assert.doesNotMatch(returned.get('Quiet')!, /\\Subscribed/);
    } finally {
      await s.logout();
    }
  });

  test('imapflow creates, renames and deletes folders', async () => {
    const imap = new ImapFlow({
      host: '127.0.0.1',
      port,
      secure: false,
      auth: { user: 'alice@loft.test', pass: 'secret' },
      logger: false,
      tls: { rejectUnauthorized: false },
    });
    await imap.connect();
    try {
      const created = await imap.mailboxCreate(['Flow', 'Inner']);
      assert.equal(created.path, 'Flow/Inner');
      await imap.mailboxRename('Flow/Inner', 'Flow/Renamed');
      await imap.mailboxSubscribe('Flow/Renamed');
      const boxes = await imap.list();
      const renamed = boxes.find((b) => b.path === 'Flow/Renamed');
      assert.ok(renamed?.subscribed);
      assert.ok(!boxes.some((b) => b.path === 'Flow/Inner'));
      await imap.mailboxDelete('Flow/Renamed');
      assert.ok(!(await imap.list()).some((b) => b.path.startsWith('Flow')));
    } finally {
      await imap.logout();
    }
  });
});
