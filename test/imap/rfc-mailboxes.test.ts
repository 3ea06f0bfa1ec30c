/**
 * Conformance transcripts for mailbox management and session state, against a real
 * server: LIST (basic, LIST-EXTENDED, LIST-STATUS, SPECIAL-USE, CHILDREN), LSUB, NAMESPACE,
 * CREATE/DELETE/RENAME, STATUS (SIZE, DELETED, APPENDLIMIT), SELECT/EXAMINE/CLOSE/UNSELECT,
 * EXPUNGE and UID EXPUNGE, APPEND (MULTIAPPEND, LITERAL+, APPENDLIMIT), COPY/MOVE with COPYUID,
 * IDLE, ENABLE and commands in the wrong state. Each assertion names the RFC text it checks; only
 * requirements (MUST, grammar, defined results) are asserted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { ImapDialog } from './dialog.ts';
import { expandSet } from './responses.ts';
import { message, type Reply, Session } from './support.ts';

const APPEND_LIMIT = 2000;

let server: TestServer;
let port: number;
let userCount = 0;

/** A fresh account for each test, so tests do not see each other's mailboxes. */
async function freshUser(): Promise<string> {
  userCount += 1;
  const address = `fe${userCount}@loft.test`;
  await provision(server, [], [address]);
  return address;
}

async function login(user: string, rev2 = false): Promise<Session> {
  const s = await Session.login(port, user);
  if (rev2) await s.ok('ENABLE IMAP4rev2');
  return s;
}

function statusItems(reply: Reply): Map<string, string> {
  const line = reply.untagged.find((l) => l.startsWith('* STATUS '));
  assert.ok(line, `no STATUS response in ${reply.untagged.join(' | ')}`);
  const items = /\(([^)]*)\)$/.exec(line)![1]!.split(' ');
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < items.length; i += 2) out.set(items[i]!, items[i + 1]!);
  return out;
}

const LIST_LINE = /^\* (LIST|LSUB) \(([^)]*)\) (?:"(?:[^"\\]|\\.)"|NIL) (?:"((?:[^"\\]|\\.)*)"|(\S+))( .*)?$/;

/** The LIST/LSUB responses of a reply: name, attributes and any extended data. */
function listed(reply: Reply): { name: string; attrs: string[]; extra: string }[] {
  const out: { name: string; attrs: string[]; extra: string }[] = [];
  for (const line of reply.untagged) {
    const m = LIST_LINE.exec(line);
    if (!m) continue;
    out.push({
      name: (m[3] ?? m[4]!).replace(/\\(.)/g, '$1'),
      attrs: m[2]!.split(' ').filter(Boolean),
      extra: m[5] ?? '',
    });
  }
  return out;
}

before(async () => {
  server = await startTestServer({ imap: { append_limit: APPEND_LIMIT } });
  await provision(server, ['loft.test'], []);
  port = server.ports.imap!;
});
after(() => server.close());

describe('LIST and LSUB', () => {
  test('LIST "" "" returns the hierarchy delimiter with an empty root name', async () => {
    const s = await login(await freshUser());
    try {
      const reply = await s.ok('LIST "" ""');
      // RFC 9051 §6.3.9 / RFC 3501 §6.3.8: an empty mailbox name in the basic syntax returns the
      // hierarchy delimiter (or NIL); the example answer is `* LIST (\Noselect) "/" ""`.
      assert.equal(reply.untagged.length, 1, reply.untagged.join(' | '));
      assert.match(reply.untagged[0]!, /^\* LIST \((?:[^)]*)\) "\/" ""$/);
    } finally {
      await s.logout();
    }
  });

  test('LIST () "" "" (extended syntax): an empty pattern is ignored, no delimiter reply', async () => {
    const s = await login(await freshUser());
    try {
      const reply = await s.ok('LIST () "" ""');
      // RFC 9051 §6.3.9 (and RFC 5258 §3): "In the extended syntax, any mailbox name arguments
      // that are empty strings are ignored. There is no special meaning for empty mailbox names
      // when the extended syntax is used." A leading "(" makes it the extended syntax.
      assert.deepEqual(reply.untagged, [], 'no LIST response for an ignored empty pattern');
      // Same rule with a pattern list: the "" is ignored, INBOX still listed.
      const multi = listed(await s.ok('LIST "" ("" "INBOX")'));
      assert.deepEqual(
        multi.map((l) => l.name),
        ['INBOX'],
      );
    } finally {
      await s.logout();
    }
  });

  test('% stops at the delimiter, * does not; a reference name prefixes the pattern', async () => {
    const s = await login(await freshUser());
    try {
      await s.ok('CREATE a/b/c');
      await s.ok('CREATE ab');
      const percent = listed(await s.ok('LIST "" "a%"'));
      // RFC 9051 §6.3.9: "%" does not match a hierarchy delimiter; if it is the last character,
      // matching levels of hierarchy are also returned (\Noselect when not mailboxes).
      assert.deepEqual(percent.map((l) => l.name).sort(), ['a', 'ab']);
      const a = percent.find((l) => l.name === 'a')!;
      assert.ok(
        a.attrs.some((x) => /^\\(Noselect|NonExistent)$/i.test(x)),
        `a is a level, not a mailbox: ${a.attrs}`,
      );
      const star = listed(await s.ok('LIST "" "a*"')).map((l) => l.name);
      // RFC 9051 §6.3.9: "*" matches zero or more characters, delimiters included.
      for (const name of ['ab', 'a/b/c']) assert.ok(star.includes(name), `${name} in ${star}`);
      // RFC 9051 §6.3.9: reference "a/" + "%" is the canonical pattern "a/%"; the returned names
      // MUST match it.
      const ref = listed(await s.ok('LIST "a/" "%"')).map((l) => l.name);
      assert.deepEqual(ref, ['a/b']);
      const deep = listed(await s.ok('LIST "" "a/%/%"')).map((l) => l.name);
      assert.deepEqual(deep, ['a/b/c']);
    } finally {
      await s.logout();
    }
  });

  test('\\HasChildren and \\HasNoChildren are accurate and never together', async () => {
    const s = await login(await freshUser());
    try {
      await s.ok('CREATE Parent');
      await s.ok('CREATE Parent/Kid');
      await s.ok('CREATE Lonely');
      for (const command of [
        'LIST "" "*"',
        'LIST "" "*" RETURN (CHILDREN)',
        'LIST "" "%" RETURN (CHILDREN)',
      ]) {
        const rows = listed(await s.ok(command));
        for (const row of rows) {
          // RFC 9051 §6.3.9.5 / RFC 3348 §4: it is an error to return both attributes.
          const has = row.attrs.map((x) => x.toLowerCase());
          assert.ok(
            !(has.includes('\\haschildren') && has.includes('\\hasnochildren')),
            `${command}: ${row.name}`,
          );
        }
        if (command.includes('CHILDREN')) {
          // RFC 9051 §6.3.9.5: with RETURN (CHILDREN) the attributes MUST be returned.
          const parent = rows.find((r) => r.name === 'Parent')!;
          assert.ok(parent.attrs.includes('\\HasChildren'), `${command}: Parent ${parent.attrs}`);
          const lonely = rows.find((r) => r.name === 'Lonely')!;
          assert.ok(lonely.attrs.includes('\\HasNoChildren'), `${command}: Lonely ${lonely.attrs}`);
        }
      }
    } finally {
      await s.logout();
    }
  });

  test('LSUB "" "%" with only Fruit/Banana subscribed returns Fruit flagged \\Noselect (rev1)', async () => {
    const s = await login(await freshUser());
    try {
      await s.ok('CREATE Fruit/Banana');
      await s.ok('SUBSCRIBE Fruit/Banana');
      const rows = listed(await s.ok('LSUB "" "%"'));
      // RFC 3501 §6.3.9: "Consider what happens if "foo/bar" ... is subscribed but "foo" is not.
      // A "%" wildcard to LSUB must return foo, not foo/bar, in the LSUB response, and it MUST be
      // flagged with the \Noselect attribute."
      assert.ok(!rows.some((r) => r.name === 'Fruit/Banana'), 'Fruit/Banana does not match %');
      const fruit = rows.find((r) => r.name === 'Fruit');
      assert.ok(fruit, `LSUB "" "%" must return Fruit; got ${rows.map((r) => r.name).join(', ')}`);
      assert.ok(
        fruit.attrs.some((x) => /^\\noselect$/i.test(x)),
        `Fruit attrs: ${fruit.attrs}`,
      );
    } finally {
      await s.logout();
    }
  });

  test('LIST (SUBSCRIBED): a deleted subscribed mailbox is \\NonExistent; no CHILDINFO without RECURSIVEMATCH', async () => {
    const s = await login(await freshUser());
    try {
      await s.ok('CREATE Gone');
      await s.ok('SUBSCRIBE Gone');
      await s.ok('DELETE Gone');
      await s.ok('CREATE Tree/Leaf');
      await s.ok('SUBSCRIBE Tree/Leaf');
      const star = listed(await s.ok('LIST (SUBSCRIBED) "" "*"'));
      // RFC 9051 §6.3.9.1 / RFC 5258 §3.1: the list MUST include exactly the subscribed names
      // matching the pattern, each with an accurate \Subscribed; a subscribed name that does not
      // exist is \NonExistent (§6.3.9.8 example 2).
      const gone = star.find((r) => r.name === 'Gone');
      assert.ok(gone, 'the subscription survives the DELETE (RFC 9051 §6.3.7)');
      assert.ok(gone.attrs.includes('\\NonExistent') && gone.attrs.includes('\\Subscribed'), `${gone.attrs}`);
      assert.ok(!star.some((r) => r.name === 'Tree'), 'Tree is not subscribed');
      for (const row of star) assert.ok(row.attrs.includes('\\Subscribed'), row.name);
      const percent = await s.ok('LIST (SUBSCRIBED) "" "%"');
      // RFC 9051 §6.3.9.6: "The CHILDINFO extended data item MUST NOT be returned unless the client
      // has specified the RECURSIVEMATCH selection option."
      assert.ok(!percent.untagged.some((l) => /CHILDINFO/i.test(l)), percent.untagged.join(' | '));
    } finally {
      await s.logout();
    }
  });

  test('LIST-EXTENDED options: unknown ones BAD, RECURSIVEMATCH alone BAD, repeated ones count once', async () => {
    const s = await login(await freshUser());
    try {
      await s.ok('CREATE X/Y');
      await s.ok('SUBSCRIBE X/Y');
      // RFC 9051 §6.3.9: "A server MUST respond to options it does not recognize with a BAD response."
      await s.expect(/^BAD/, 'LIST (NOSUCHOPTION) "" "*"');
      await s.expect(/^BAD/, 'LIST "" "*" RETURN (NOSUCHOPTION)');
      // RFC 9051 §6.3.9.1: RECURSIVEMATCH as the only selection option: "The server MUST return a
      // BAD tagged response in such case."
      await s.expect(/^BAD/, 'LIST (RECURSIVEMATCH) "" "*"');
      // RFC 9051 §6.3.9: an option given twice: "the server MUST act as if it received the option
      // only once."
      const once = await s.ok('LIST (SUBSCRIBED) "" "*"');
      const twice = await s.ok('LIST (SUBSCRIBED SUBSCRIBED) "" "*"');
      assert.deepEqual(twice.untagged, once.untagged);
      const returnOnce = await s.ok('LIST "" "*" RETURN (CHILDREN)');
      const returnTwice = await s.ok('LIST "" "*" RETURN (CHILDREN CHILDREN)');
      assert.deepEqual(returnTwice.untagged, returnOnce.untagged);
      // RFC 9051 §6.3.9: a syntactically valid pattern the server does not accept "MUST be silently
      // ignored, i.e., it results in no LIST responses, and the LIST command still returns a
      // tagged OK response."
      await s.ok('LIST "" "X//Y"');
    } finally {
      await s.logout();
    }
  });

  test('LIST RETURN (CHILDREN STATUS (MESSAGES UIDNEXT)): a STATUS after each selectable mailbox', async () => {
    const s = await login(await freshUser());
    try {
      await s.ok('CREATE Stat/Inner');
      await s.append('Stat/Inner', message('one'));
      await s.append('Stat/Inner', message('two'));
      const reply = await s.ok('LIST "" "*" RETURN (CHILDREN STATUS (MESSAGES UIDNEXT))');
      const lines = reply.untagged;
      for (let i = 0; i < lines.length; i++) {
        const m = LIST_LINE.exec(lines[i]!);
        if (!m) continue;
        const name = (m[3] ?? m[4]!).replace(/\\(.)/g, '$1');
        const noselect = /\\(Noselect|NonExistent)/i.test(m[2]!);
        const next = lines[i + 1] ?? '';
        if (noselect) {
          // RFC 5819 §2 / RFC 9051 §6.3.9.2: no STATUS for a mailbox that cannot be selected.
          assert.ok(!next.startsWith('* STATUS '), `${name}: ${next}`);
          continue;
        }
        // RFC 5819 §2 / RFC 9051 §6.3.9.2: for each selectable mailbox the server MUST return a
        // LIST response followed by a STATUS response with the requested items.
        assert.match(next, /^\* STATUS /, `${name} is followed by ${next}`);
        const direct = statusItems(await s.ok(`STATUS "${name}" (MESSAGES UIDNEXT)`));
        const inline = statusItems({ untagged: [next], tagged: '' });
        assert.equal(inline.get('MESSAGES'), direct.get('MESSAGES'), name);
        assert.equal(inline.get('UIDNEXT'), direct.get('UIDNEXT'), name);
      }
      assert.match(lines.join('\n'), /STATUS "?Stat\/Inner"? \(MESSAGES 2 UIDNEXT 3\)/);
    } finally {
      await s.logout();
    }
  });

  test('LIST (SPECIAL-USE) returns only special-use mailboxes; RETURN (SPECIAL-USE) marks them', async () => {
    const s = await login(await freshUser());
    try {
      await s.ok('CREATE Plain');
      await s.ok('CREATE "My Sent" (USE (\\Sent))');
      const selected = listed(await s.ok('LIST (SPECIAL-USE) "" "*"'));
      const uses = /^\\(All|Archive|Drafts|Flagged|Junk|Sent|Trash|Important)$/i;
      // RFC 6154 §3: the SPECIAL-USE selection option returns only mailboxes that have a
      // special-use attribute set.
      assert.ok(selected.length > 0);
      for (const row of selected)
        assert.ok(
          row.attrs.some((x) => uses.test(x)),
          `${row.name}: ${row.attrs}`,
        );
      assert.ok(selected.some((r) => r.name === 'My Sent' && r.attrs.includes('\\Sent')));
      assert.ok(!selected.some((r) => r.name === 'Plain'));
      // RFC 6154 §3: the SPECIAL-USE return option returns the special-use attributes.
      const returned = listed(await s.ok('LIST "" "*" RETURN (SPECIAL-USE)'));
      assert.ok(returned.find((r) => r.name === 'My Sent')?.attrs.includes('\\Sent'));
      assert.ok(
        returned.some((r) => r.name === 'Plain'),
        'a return option does not filter',
      );
    } finally {
      await s.logout();
    }
  });

  test('non-ASCII names: modified UTF-7 for an IMAP4rev1 session, UTF-8 for IMAP4rev2', async () => {
    const user = await freshUser();
    const rev2 = await login(user, true);
    const rev1 = await login(user);
    try {
      // RFC 9051 §5.1: an IMAP4rev2 session names mailboxes in UTF-8 ("&" is an ordinary character).
      await rev2.ok('CREATE "Zoë"');
      await rev2.ok('CREATE "R&D"');
      const names2 = listed(await rev2.ok('LIST "" "*"')).map((r) => r.name);
      assert.ok(names2.includes('Zoë') && names2.includes('R&D'), names2.join(', '));
      // RFC 3501 §5.1.3: an IMAP4rev1 session sees the same names in modified UTF-7: "ë" is
      // "&AOs-" and "&" itself is "&-".
      const names1 = listed(await rev1.ok('LIST "" "*"')).map((r) => r.name);
      assert.ok(names1.includes('Zo&AOs-'), names1.join(', '));
      assert.ok(names1.includes('R&-D'), names1.join(', '));
      // The rev1 spelling reaches the same mailbox.
      await rev1.append('Zo&AOs-', message('hi'));
      assert.equal(statusItems(await rev2.ok('STATUS "Zoë" (MESSAGES)')).get('MESSAGES'), '1');
    } finally {
      await rev1.logout();
      await rev2.logout();
    }
  });

  test('NAMESPACE follows the grammar and agrees with the LIST delimiter', async () => {
    const s = await login(await freshUser());
    try {
      const reply = await s.ok('NAMESPACE');
      // RFC 2342 §5 / RFC 9051 §6.3.10 grammar: "NAMESPACE" SP namespace SP namespace SP namespace,
      // each namespace NIL or "(" 1*( "(" string SP (DQUOTE QUOTED-CHAR DQUOTE / nil) ")" ) ")".
      const descr = '\\("(?:[^"\\\\]|\\\\.)*" (?:"(?:[^"\\\\]|\\\\.)"|NIL)(?: [^()]*(?:\\([^()]*\\))?)*\\)';
      const ns = `(?:NIL|\\((?:${descr})+\\))`;
      const line = reply.untagged.find((l) => l.startsWith('* NAMESPACE '));
      assert.ok(line);
      assert.match(line, new RegExp(`^\\* NAMESPACE ${ns} ${ns} ${ns}$`));
      const personal = /^\* NAMESPACE \(\("([^"]*)" "(.)"\)/.exec(line);
      const delimiter = /^\* LIST \([^)]*\) "(.)"/.exec((await s.ok('LIST "" ""')).untagged[0]!);
      if (personal && delimiter) assert.equal(personal[2], delimiter[1]);
    } finally {
      await s.logout();
    }
  });
});

describe('CREATE, DELETE, RENAME', () => {
  test('CREATE: trailing delimiter dropped; INBOX (any case, with a delimiter) and existing names are NO', async () => {
    const s = await login(await freshUser());
    try {
      // RFC 9051 §6.3.4: a trailing hierarchy separator is a declaration the server MUST ignore
      // if it does not need it; "the name created is without the trailing hierarchy delimiter".
      await s.ok('CREATE Proj/');
      assert.deepEqual(
        listed(await s.ok('LIST "" "Proj*"')).map((r) => r.name),
        ['Proj'],
      );
      // RFC 9051 §6.3.4: "It is an error to attempt to create INBOX or a mailbox with a name that
      // refers to an extant mailbox. Any error in creation will return a tagged NO response."
      // RFC 9051 §7.1: ALREADYEXISTS names that error.
      await s.expect(/^NO \[ALREADYEXISTS\]/, 'CREATE Proj');
      await s.expect(/^NO\b/, 'CREATE INBOX');
      await s.expect(/^NO\b/, 'CREATE inbox');
      await s.expect(/^NO\b/, 'CREATE InBoX/');
      await s.expect(/^NO\b/, 'CREATE Proj/');
    } finally {
      await s.logout();
    }
  });

  test('CREATE a/b/c: the leaf is a selectable mailbox; superiors are listed as levels', async () => {
    const s = await login(await freshUser());
    try {
      await s.ok('CREATE a/b/c');
      // RFC 9051 §6.3.4: OK only if a new mailbox with that name has been created.
      await s.expect(/^OK \[READ-WRITE\]/, 'SELECT a/b/c');
      await s.ok('UNSELECT');
      // RFC 9051 §6.3.9: "%" at the end returns matching levels of hierarchy.
      assert.deepEqual(
        listed(await s.ok('LIST "" "a/%"')).map((r) => r.name),
        ['a/b'],
      );
    } finally {
      await s.logout();
    }
  });

  test('DELETE: INBOX and unknown names NO; a parent with children keeps them', async () => {
    const s = await login(await freshUser());
    try {
      // RFC 9051 §6.3.5: "It is an error to attempt to delete INBOX or a mailbox name that does
      // not exist."
      await s.expect(/^NO\b/, 'DELETE INBOX');
      await s.expect(/^NO\b/, 'DELETE iNbOx');
      await s.expect(/^NO\b/, 'DELETE NoSuchBox');
      await s.ok('CREATE Top');
      await s.ok('CREATE Top/Child');
      await s.append('Top/Child', message('kept'));
      const reply = await s.run('DELETE Top');
      // RFC 9051 §6.3.5: either NO (SHOULD include HASCHILDREN) or OK leaving Top \Noselect.
      // Either way, "The DELETE command MUST NOT remove inferior hierarchical names."
      assert.match(reply.tagged, /^(OK|NO)\b/);
      const rows = listed(await s.ok('LIST "" "Top*"'));
      assert.ok(
        rows.some((r) => r.name === 'Top/Child'),
        'the inferior survives',
      );
      if (reply.tagged.startsWith('OK')) {
        const top = rows.find((r) => r.name === 'Top');
        assert.ok(
          top?.attrs.some((x) => /^\\(Noselect|NonExistent)$/i.test(x)),
          `${top?.attrs}`,
        );
      }
      assert.equal(statusItems(await s.ok('STATUS Top/Child (MESSAGES)')).get('MESSAGES'), '1');
    } finally {
      await s.logout();
    }
  });

  test('RENAME: inferiors move too; target exists is NO; old name recreated never reuses UIDs', async () => {
    const s = await login(await freshUser());
    try {
      await s.ok('CREATE Src');
      await s.ok('CREATE Src/Sub');
      await s.ok('CREATE Taken');
      await s.append('Src', message('one'));
      await s.append('Src', message('two'));
      const old = statusItems(await s.ok('STATUS Src (UIDVALIDITY UIDNEXT)'));
      // RFC 9051 §6.3.6: "It is an error to attempt to rename ... to a mailbox name that already
      // exists. Any error in renaming will return a tagged NO response."
      await s.expect(/^NO\b/, 'RENAME Src Taken');
      await s.expect(/^NO\b/, 'RENAME Missing Other');
      await s.ok('RENAME Src Dst');
      const names = listed(await s.ok('LIST "" "*"')).map((r) => r.name);
      // RFC 9051 §6.3.6: "If the name has inferior hierarchical names, then the inferior
      // hierarchical names MUST also be renamed."
      assert.ok(names.includes('Dst') && names.includes('Dst/Sub'), names.join(', '));
      assert.ok(!names.includes('Src') && !names.includes('Src/Sub'), names.join(', '));
      assert.equal(statusItems(await s.ok('STATUS Dst (MESSAGES)')).get('MESSAGES'), '2');
      // RFC 9051 §6.3.6: the highest-used UID of the old name MUST be preserved so that a new
      // mailbox with that name does not reuse the identifiers, unless its UIDVALIDITY differs.
      await s.ok('CREATE Src');
      const appended = await s.append('Src', message('three'));
      const [, validity, uid] = /APPENDUID (\d+) (\d+)/.exec(appended.tagged)!;
      assert.ok(
        validity !== old.get('UIDVALIDITY') || Number(uid) >= Number(old.get('UIDNEXT')),
        `reused UID ${uid} under UIDVALIDITY ${validity}`,
      );
    } finally {
      await s.logout();
    }
  });

  test('RENAME INBOX moves its messages to the new name and leaves an empty INBOX', async () => {
    const s = await login(await freshUser());
    try {
      await s.append('INBOX', message('a'));
      await s.append('INBOX', message('b'));
      await s.ok('CREATE INBOX/Kid');
      await s.ok('RENAME INBOX Saved');
      // RFC 9051 §6.3.6: renaming INBOX "moves all messages in INBOX to a new mailbox with the
      // given name, leaving INBOX empty"; inferiors of INBOX "are unaffected".
      assert.equal(statusItems(await s.ok('STATUS Saved (MESSAGES)')).get('MESSAGES'), '2');
      assert.equal(statusItems(await s.ok('STATUS INBOX (MESSAGES)')).get('MESSAGES'), '0');
      const names = listed(await s.ok('LIST "" "*"')).map((r) => r.name);
      assert.ok(names.includes('INBOX') && names.includes('INBOX/Kid') && !names.includes('Saved/Kid'));
    } finally {
      await s.logout();
    }
  });

  test('INBOX is case-insensitive in SELECT, STATUS, APPEND and LIST', async () => {
    const s = await login(await freshUser());
    try {
      // RFC 9051 §5.1: "The case-insensitive mailbox name INBOX is a special name reserved to mean
      // 'the primary mailbox for this user on this server'."
      await s.append('inbox', message('lower'));
      const status = await s.ok('STATUS InBoX (MESSAGES)');
      assert.equal(statusItems(status).get('MESSAGES'), '1');
      await s.ok('SELECT iNBOX');
      await s.ok('UNSELECT');
      // RFC 9051 §6.3.9: INBOX is listed when the uppercase string "INBOX" matches the pattern.
      assert.deepEqual(
        listed(await s.ok('LIST "" "INBOX"')).map((r) => r.name),
        ['INBOX'],
      );
    } finally {
      await s.logout();
    }
  });
});

describe('STATUS', () => {
  test('STATUS SIZE, DELETED, APPENDLIMIT, HIGHESTMODSEQ; SIZE covers every RFC822.SIZE', async () => {
    const s = await login(await freshUser());
    try {
      await s.ok('CREATE Box');
      await s.append('Box', message('one', 'x'.repeat(100)));
      await s.append('Box', message('two'), '(\\Deleted)');
      await s.append('Box', message('three'), '(\\Deleted \\Seen)');
      const items = statusItems(
        await s.ok('STATUS Box (MESSAGES SIZE DELETED UNSEEN APPENDLIMIT HIGHESTMODSEQ)'),
      );
      assert.equal(items.get('MESSAGES'), '3');
      // RFC 9051 §6.3.11: DELETED is the number of messages with \Deleted; UNSEEN without \Seen.
      assert.equal(items.get('DELETED'), '2');
      assert.equal(items.get('UNSEEN'), '2');
      // RFC 7889 §3.2 grammar: APPENDLIMIT number / nil. RFC 7162 §3.1.1: HIGHESTMODSEQ number.
      assert.match(items.get('APPENDLIMIT') ?? '', /^(\d+|NIL)$/);
      assert.match(items.get('HIGHESTMODSEQ') ?? '', /^\d+$/);
      await s.ok('EXAMINE Box');
      const fetched = await s.ok('FETCH 1:* RFC822.SIZE');
      const total = fetched.untagged
        .map((l) => Number(/RFC822\.SIZE (\d+)/.exec(l)?.[1] ?? 0))
        .reduce((a, b) => a + b, 0);
      // RFC 8438 §3 / RFC 9051 §6.3.11: SIZE "MUST be equal to or greater than the sum of the values
      // of the RFC822.SIZE FETCH message data items ... of all messages in the mailbox."
      assert.ok(Number(items.get('SIZE')) >= total, `SIZE ${items.get('SIZE')} < ${total}`);
      // RFC 9051 §6.3.11: "servers MUST be able to execute the STATUS command on the selected
      // mailbox."
      assert.equal(statusItems(await s.ok('STATUS Box (MESSAGES)')).get('MESSAGES'), '3');
    } finally {
      await s.logout();
    }
  });

  test('STATUS, SELECT and EXAMINE of a mailbox that does not exist are NO', async () => {
    const s = await login(await freshUser());
    try {
      // RFC 9051 §6.3.11 / §6.3.2 results: NO - no such mailbox; RFC 9051 §7.1: NONEXISTENT.
      await s.expect(/^NO\b/, 'STATUS Nowhere (MESSAGES)');
      await s.expect(/^NO\b/, 'SELECT Nowhere');
      await s.expect(/^NO\b/, 'EXAMINE Nowhere');
    } finally {
      await s.logout();
    }
  });
});

describe('SELECT, EXAMINE, CLOSE, UNSELECT, EXPUNGE', () => {
  test('IMAP4rev2 SELECT and EXAMINE of INBOX send the required LIST response', async () => {
    const s = await login(await freshUser(), true);
    try {
      for (const command of ['SELECT INBOX', 'EXAMINE INBOX', 'SELECT inbox']) {
        const reply = await s.ok(command);
        const u = reply.untagged;
        // RFC 9051 §6.3.2: before the OK the server MUST send FLAGS, EXISTS, LIST ("The server MUST
        // return a LIST response with the mailbox name"), and OK [PERMANENTFLAGS], [UIDNEXT],
        // [UIDVALIDITY]. RFC 9051 §6.3.3: EXAMINE returns the same output.
        assert.ok(
          u.some((l) => /^\* FLAGS \(/.test(l)),
          `${command}: FLAGS`,
        );
        assert.ok(
          u.some((l) => /^\* \d+ EXISTS$/.test(l)),
          `${command}: EXISTS`,
        );
        assert.ok(
          u.some((l) => /^\* OK \[UIDVALIDITY \d+\]/.test(l)),
          `${command}: UIDVALIDITY`,
        );
        assert.ok(
          u.some((l) => /^\* OK \[UIDNEXT \d+\]/.test(l)),
          `${command}: UIDNEXT`,
        );
        assert.ok(
          u.some((l) => /^\* OK \[PERMANENTFLAGS \(/.test(l)),
          `${command}: PERMANENTFLAGS`,
        );
        assert.ok(
          u.some((l) => /^\* LIST \([^)]*\) "\/" "?INBOX"?$/.test(l)),
          `${command}: no LIST response in ${u.join(' | ')}`,
        );
      }
    } finally {
      await s.logout();
    }
  });

  test('a failed SELECT leaves no mailbox selected, after an untagged OK [CLOSED] (IMAP4rev2)', async () => {
    const s = await login(await freshUser(), true);
    try {
      await s.append('INBOX', message('one'));
      await s.ok('SELECT INBOX');
      const failed = await s.expect(/^NO\b/, 'SELECT Nowhere');
      // RFC 9051 §6.3.2: "if a mailbox is selected and a SELECT command that fails is attempted,
      // no mailbox is selected. When deselecting a selected mailbox, the server MUST return an
      // untagged OK response with the "[CLOSED]" response code".
      assert.ok(
        failed.untagged.some((l) => /^\* OK \[CLOSED\]/.test(l)),
        failed.untagged.join(' | '),
      );
      // RFC 9051 §3: a command in the wrong state gets BAD or NO.
      await s.expect(/^(BAD|NO)\b/, 'FETCH 1 FLAGS');
    } finally {
      await s.logout();
    }
  });

  test('EXAMINE is read-only: STORE and EXPUNGE fail; CLOSE expunges nothing', async () => {
    const s = await login(await freshUser());
    try {
      await s.append('INBOX', message('doomed?'), '(\\Deleted)');
      // RFC 9051 §6.3.3: "The text of the tagged OK response to the EXAMINE command MUST begin with
      // the "[READ-ONLY]" response code."
      await s.expect(/^OK \[READ-ONLY\]/, 'EXAMINE INBOX');
      // RFC 9051 §6.3.3: "No changes to the permanent state of the mailbox ... are permitted."
      await s.expect(/^(NO|BAD)\b/, 'STORE 1 -FLAGS (\\Deleted)');
      await s.expect(/^(NO|BAD)\b/, 'EXPUNGE');
      const closed = await s.ok('CLOSE');
      // RFC 9051 §6.4.1: "No messages are removed, and no error is given, if the mailbox is
      // selected by an EXAMINE command or is otherwise selected as read-only."
      assert.ok(!closed.untagged.some((l) => /EXPUNGE/.test(l)));
      const items = statusItems(await s.ok('STATUS INBOX (MESSAGES DELETED)'));
      assert.equal(items.get('MESSAGES'), '1');
      assert.equal(items.get('DELETED'), '1');
    } finally {
      await s.logout();
    }
  });

  test('CLOSE after SELECT removes \\Deleted messages without untagged EXPUNGE; UNSELECT removes none', async () => {
    const s = await login(await freshUser());
    try {
      await s.append('INBOX', message('keep'));
      await s.append('INBOX', message('drop'), '(\\Deleted)');
      await s.ok('SELECT INBOX');
      const unselected = await s.ok('UNSELECT');
      // RFC 3691 §2: UNSELECT returns to the authenticated state "without doing an expunge".
      assert.ok(!unselected.untagged.some((l) => /EXPUNGE/.test(l)));
      assert.equal(statusItems(await s.ok('STATUS INBOX (MESSAGES)')).get('MESSAGES'), '2');
      // RFC 3691 §2 / RFC 9051 §3: UNSELECT outside the selected state is BAD (or NO).
      await s.expect(/^(BAD|NO)\b/, 'UNSELECT');
      await s.ok('SELECT INBOX');
      const closed = await s.ok('CLOSE');
      // RFC 9051 §6.4.1: CLOSE permanently removes \Deleted messages and "No untagged EXPUNGE
      // responses are sent."
      assert.ok(!closed.untagged.some((l) => /EXPUNGE/.test(l)), closed.untagged.join(' | '));
      assert.equal(statusItems(await s.ok('STATUS INBOX (MESSAGES)')).get('MESSAGES'), '1');
      // RFC 9051 §6.4.1: CLOSE returns to the authenticated state.
      await s.expect(/^(BAD|NO)\b/, 'FETCH 1 FLAGS');
    } finally {
      await s.logout();
    }
  });

  test('EXPUNGE responses renumber correctly; UID EXPUNGE removes only the listed UIDs', async () => {
    const s = await login(await freshUser());
    try {
      for (let i = 1; i <= 6; i++) await s.append('INBOX', message(`m${i}`));
      await s.ok('SELECT INBOX');
      await s.ok('STORE 2,4,5 +FLAGS.SILENT (\\Deleted)');
      const reply = await s.ok('EXPUNGE');
      // RFC 9051 §7.4.1: each EXPUNGE immediately decrements the sequence numbers of the later
      // messages; applying the responses in order must remove exactly the \Deleted messages.
      const uids = [1, 2, 3, 4, 5, 6];
      for (const line of reply.untagged) {
        const m = /^\* (\d+) EXPUNGE$/.exec(line);
        if (m) uids.splice(Number(m[1]) - 1, 1);
      }
      assert.deepEqual(uids, [1, 3, 6], reply.untagged.join(' | '));
      const fetched = await s.ok('FETCH 1:* UID');
      assert.deepEqual(
        fetched.untagged.map((l) => Number(/UID (\d+)/.exec(l)?.[1])),
        [1, 3, 6],
      );
      await s.ok('STORE 1:2 +FLAGS.SILENT (\\Deleted)');
      const uidExpunge = await s.ok('UID EXPUNGE 3');
      // RFC 4315 §2.1: UID EXPUNGE removes only \Deleted messages whose UIDs are in the set.
      assert.deepEqual(
        uidExpunge.untagged.filter((l) => /EXPUNGE/.test(l)),
        ['* 2 EXPUNGE'],
      );
      const left = await s.ok('FETCH 1:* (UID FLAGS)');
      assert.equal(left.untagged.length, 2);
      assert.match(left.untagged[0]!, /UID 1\b/);
      assert.match(left.untagged[0]!, /\\Deleted/);
    } finally {
      await s.logout();
    }
  });
});

describe('APPEND', () => {
  test('APPEND with flags and a date-time is OK with an APPENDUID of the mailbox', async () => {
    const s = await login(await freshUser());
    try {
      await s.ok('CREATE Target');
      const validity = statusItems(await s.ok('STATUS Target (UIDVALIDITY UIDNEXT)'));
      const reply = await s.append(
        'Target',
        message('dated'),
        '(\\Seen \\Flagged) " 7-Feb-1994 21:52:25 -0800"',
      );
      // RFC 4315 §3 / RFC 9051 §6.3.12: APPENDUID carries the UIDVALIDITY of the destination and the
      // UID assigned.
      const m = /^OK \[APPENDUID (\d+) (\d+)\]/.exec(reply.tagged);
      assert.ok(m, reply.tagged);
      assert.equal(m[1], validity.get('UIDVALIDITY'));
      assert.ok(Number(m[2]) >= Number(validity.get('UIDNEXT')));
    } finally {
      await s.logout();
    }
  });

  test('APPEND to a missing mailbox or a mere hierarchy level is NO [TRYCREATE] and creates nothing', async () => {
    const s = await login(await freshUser());
    try {
      await s.ok('CREATE Level/Leaf');
      for (const name of ['Missing', 'Level']) {
        // RFC 9051 §6.3.12: "If the destination mailbox does not exist, a server MUST return an
        // error and MUST NOT automatically create the mailbox. Unless it is certain that the
        // destination mailbox cannot be created, the server MUST send the response code
        // "[TRYCREATE]"".
        await s.expect(/^NO \[TRYCREATE\]/, `APPEND ${name} {5+}\r\nhello`);
        await s.expect(/^NO\b/, `STATUS ${name} (MESSAGES)`);
      }
    } finally {
      await s.logout();
    }
  });

  test('APPEND larger than APPENDLIMIT is refused, the mailbox unchanged, the session in step', async () => {
    const s = await login(await freshUser());
    try {
      const caps = await s.ok('CAPABILITY');
      assert.match(caps.untagged[0]!, new RegExp(`APPENDLIMIT=${APPEND_LIMIT}\\b`));
      const big = Buffer.alloc(APPEND_LIMIT + 1, 'x');
      // RFC 7889 §2: a message larger than the advertised limit fails; RFC 9051 §6.3.12: "If the
      // append is unsuccessful for any reason, the mailbox MUST be restored to its state before
      // the APPEND attempt". A synchronizing literal can be refused before the octets are sent.
      const sync = await s.run(`APPEND INBOX {${big.length}}`, big);
      assert.match(sync.tagged, /^(NO|BAD)\b/);
      // RFC 7888 §4: a non-synchronizing literal is sent anyway; the server must still read it and
      // stay in step with the client.
      const nonSync = await s.run(Buffer.concat([Buffer.from(`APPEND INBOX {${big.length}+}\r\n`), big]));
      assert.match(nonSync.tagged, /^(NO|BAD)\b/);
      await s.ok('NOOP');
      assert.equal(statusItems(await s.ok('STATUS INBOX (MESSAGES)')).get('MESSAGES'), '0');
    } finally {
      await s.logout();
    }
  });

  test('MULTIAPPEND is atomic: one bad message and none is appended; success gives a UID set', async () => {
    const s = await login(await freshUser());
    try {
      const one = message('one');
      const bad = [
        `APPEND INBOX {${one.length}+}\r\n${one} (\\NotASystemFlag) {1+}\r\nx`,
        `APPEND INBOX {${one.length}+}\r\n${one} "31-Foo-2020 00:00:00 +0000" {1+}\r\nx`,
        `APPEND INBOX {${one.length}+}\r\n${one} {0+}\r\n`,
      ];
      for (const command of bad) {
        const reply = await s.run(command);
        // RFC 3502 §3: "If the server returns a NO ... none of the messages are appended";
        // RFC 9051 §6.3.12: "no partial appending is permitted."
        assert.match(reply.tagged, /^(NO|BAD)\b/, command);
        assert.equal(statusItems(await s.ok('STATUS INBOX (MESSAGES)')).get('MESSAGES'), '0', command);
      }
      const two = message('two');
      const ok = await s.ok(`APPEND INBOX (\\Seen) {${one.length}+}\r\n${one} {${two.length}+}\r\n${two}`);
      // RFC 4315 §3: for MULTIAPPEND the APPENDUID carries a set of UIDs, one per message.
      const m = /APPENDUID \d+ ([\d:,]+)\]/.exec(ok.tagged);
      assert.ok(m, ok.tagged);
      assert.equal(expandSet(m[1]!).length, 2);
      assert.equal(statusItems(await s.ok('STATUS INBOX (MESSAGES)')).get('MESSAGES'), '2');
    } finally {
      await s.logout();
    }
  });

  test('LITERAL+: non-synchronizing literals work in any argument, with no continuation request', async () => {
    const s = await login(await freshUser());
    try {
      // RFC 7888 §3: with LITERAL+, "{n+}" literals may be used in any command; the server sends no
      // "+" continuation for them.
      const create = await s.ok('CREATE {6+}\r\nLitBox');
      assert.ok(!create.untagged.some((l) => l.startsWith('+')));
      const list = await s.ok('LIST {0+}\r\n {6+}\r\nLitBox');
      assert.deepEqual(
        listed(list).map((r) => r.name),
        ['LitBox'],
      );
      assert.ok(!list.untagged.some((l) => l.startsWith('+')));
      const status = await s.ok('STATUS {6+}\r\nLitBox (MESSAGES)');
      assert.equal(statusItems(status).get('MESSAGES'), '0');
      // A synchronizing literal still gets its continuation (RFC 9051 §4.3).
      const sync = await s.ok('RENAME {6}', 'LitBox {7}\r\n', 'LitBox2');
      assert.equal(sync.untagged.filter((l) => l.startsWith('+')).length, 2);
    } finally {
      await s.logout();
    }
  });
});

describe('COPY and MOVE', () => {
  test('COPYUID maps each source UID to the copy with the same content; missing target is TRYCREATE', async () => {
    const s = await login(await freshUser());
    try {
      for (const subject of ['alpha', 'beta', 'gamma']) await s.append('INBOX', message(subject));
      await s.ok('CREATE Dest');
      await s.append('Dest', message('already there'));
      await s.ok('SELECT INBOX');
      // RFC 9051 §6.4.7: a missing destination is an error and, unless it certainly cannot be
      // created, the server "MUST send the response code "[TRYCREATE]"".
      await s.expect(/^NO \[TRYCREATE\]/, 'COPY 1 NoSuchDest');
      await s.expect(/^NO \[TRYCREATE\]/, 'MOVE 1 NoSuchDest');
      const copied = await s.ok('UID COPY 3,1 Dest');
      // RFC 4315 §3: COPYUID <uidvalidity> <source set> <dest set>, the two sets in the same order.
      const m = /COPYUID (\d+) ([\d:,]+) ([\d:,]+)\]/.exec(copied.tagged);
      assert.ok(m, copied.tagged);
      const source = expandSet(m[2]!);
      const dest = expandSet(m[3]!);
      assert.equal(source.length, dest.length);
      assert.deepEqual([...source].sort(), [1, 3]);
      const subjects = new Map([
        [1, 'alpha'],
        [2, 'beta'],
        [3, 'gamma'],
      ]);
      assert.equal(statusItems(await s.ok('STATUS Dest (UIDVALIDITY)')).get('UIDVALIDITY'), m[1]);
      await s.ok('EXAMINE Dest');
      for (let i = 0; i < source.length; i++) {
        const fetched = await s.ok(`UID FETCH ${dest[i]} BODY.PEEK[HEADER.FIELDS (SUBJECT)]`);
        assert.match(fetched.untagged.join('\n'), new RegExp(`Subject: ${subjects.get(source[i]!)}`));
      }
    } finally {
      await s.logout();
    }
  });

  test('MOVE: EXPUNGE for the moved messages here, EXPUNGE in another session on the source', async () => {
    const user = await freshUser();
    const s = await login(user);
    const other = await login(user);
    try {
      for (const subject of ['m1', 'm2', 'm3']) await s.append('INBOX', message(subject));
      await s.ok('CREATE Moved');
      await s.ok('SELECT INBOX');
      await other.ok('SELECT INBOX');
      const moved = await s.ok('MOVE 1:2 Moved');
      // RFC 6851 §3.3: the server sends EXPUNGE (or VANISHED) responses for the moved messages,
      // and with UIDPLUS a COPYUID (RFC 6851 §4.3) before them.
      const expunges = moved.untagged.filter((l) => /^\* \d+ EXPUNGE$/.test(l));
      assert.equal(expunges.length, 2, moved.untagged.join(' | '));
      const copyuidAt = moved.untagged.findIndex((l) => /COPYUID/.test(l));
      const firstExpunge = moved.untagged.findIndex((l) => /EXPUNGE/.test(l));
      assert.ok(copyuidAt >= 0 || /COPYUID/.test(moved.tagged), 'COPYUID sent');
      if (copyuidAt >= 0) assert.ok(copyuidAt < firstExpunge, 'COPYUID before EXPUNGE');
      assert.equal(statusItems(await s.ok('STATUS Moved (MESSAGES)')).get('MESSAGES'), '2');
      // RFC 9051 §7.4.1 / RFC 6851 §3.3: other sessions learn of the removal through EXPUNGE.
      const noop = await other.ok('NOOP');
      assert.equal(
        noop.untagged.filter((l) => /^\* \d+ EXPUNGE$/.test(l)).length,
        2,
        noop.untagged.join(' | '),
      );
    } finally {
      await s.logout();
      await other.logout();
    }
  });
});

describe('session state, IDLE, ENABLE', () => {
  test('commands in the wrong state get BAD or NO and the session goes on', async () => {
    const user = await freshUser();
    const imap = await ImapDialog.greeted(port);
    try {
      // RFC 9051 §3 / RFC 3501 §3: "It is a protocol error for the client to attempt a command while
      // the connection is in an inappropriate state, and the server will respond with a BAD or NO
      // (depending upon server implementation) command completion result."
      for (const command of [
        'SELECT INBOX',
        'LIST "" "*"',
        'CREATE x',
        'ENABLE IMAP4rev2',
        'NAMESPACE',
        'IDLE',
        'STATUS INBOX (MESSAGES)',
      ]) {
        const reply = await imap.command(command);
        assert.match(reply.tagged, /^(BAD|NO) /, `${command} before LOGIN`);
      }
      await imap.ok(`LOGIN ${user} secret`);
      for (const command of [
        'FETCH 1 FLAGS',
        'CLOSE',
        'EXPUNGE',
        'UID EXPUNGE 1',
        'COPY 1 INBOX',
        'LOGIN a b',
      ]) {
        const reply = await imap.command(command);
        assert.match(reply.tagged, /^(BAD|NO) /, `${command} when authenticated`);
      }
      await imap.ok('NOOP');
    } finally {
      await imap.logout();
    }
  });

  test('IDLE: EXISTS and EXPUNGE from another session arrive while idling; "done" ends it', async () => {
    const user = await freshUser();
    const imap = await ImapDialog.login(port, user);
    const other = await login(user);
    try {
      await imap.ok('SELECT INBOX');
      const tag = imap.nextTag();
      imap.send(`${tag} IDLE`);
      // RFC 9051 §6.3.13 / RFC 2177 §3: the server answers IDLE with a continuation request.
      assert.match((await imap.response())!, /^\+/);
      await other.append('INBOX', message('while idling'));
      // RFC 9051 §6.3.13: while IDLE is active "the server is now free to send untagged EXISTS,
      // EXPUNGE, FETCH, and other responses at any time" - the point of the command.
      assert.equal(await imap.response(5000), '* 1 EXISTS');
      await other.ok('SELECT INBOX');
      await other.ok('STORE 1 +FLAGS.SILENT (\\Deleted)');
      await other.ok('EXPUNGE');
      const seen: string[] = [];
      for (;;) {
        const line = (await imap.response(5000))!;
        seen.push(line);
        if (line === '* 1 EXPUNGE') break;
      }
      // RFC 9051 §9 (idle = "IDLE" CRLF "DONE") and RFC 5234 §2.3: literal text is
      // case-insensitive, so "done" ends IDLE too.
      imap.send('done');
      const end = await imap.until(tag);
      assert.match(end.tagged, new RegExp(`^${tag} OK`));
      await imap.ok('NOOP');
    } finally {
      await imap.logout();
      await other.logout();
    }
  });

  test('ENABLE: unknown names are ignored with an empty ENABLED; CAPABILITY does not change', async () => {
    const s = await login(await freshUser());
    try {
      const before = (await s.ok('CAPABILITY')).untagged;
      const unknown = await s.ok('ENABLE X-NO-SUCH-EXTENSION');
      // RFC 9051 §6.3.1 / RFC 5161 §3.1: unknown arguments MUST be ignored; the untagged ENABLED
      // response MUST be sent "even if no extensions were enabled".
      assert.deepEqual(unknown.untagged, ['* ENABLED']);
      const enabled = await s.ok('ENABLE IMAP4rev2 X-NO-SUCH-EXTENSION');
      assert.deepEqual(enabled.untagged, ['* ENABLED IMAP4rev2']);
      // RFC 9051 §6.3.1: "The server MUST NOT change the CAPABILITY list as a result of executing
      // ENABLE".
      assert.deepEqual((await s.ok('CAPABILITY')).untagged, before);
    } finally {
      await s.logout();
    }
  });
});
