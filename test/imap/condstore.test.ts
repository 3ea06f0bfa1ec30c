/**
 * CONDSTORE (RFC 7162 §3.1) against a real server: the capability and ENABLE, HIGHESTMODSEQ on
 * SELECT and in STATUS, the CONDSTORE enabling commands, FETCH MODSEQ and CHANGEDSINCE, STORE
 * UNCHANGEDSINCE with `[MODIFIED]` (also two sessions racing), SEARCH MODSEQ with `(MODSEQ n)`
 * and in ESEARCH, MODSEQ in unsolicited FETCH caused by another session, and the RFC's answers to
 * bad values.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { deliverMany } from '../pop3/support.ts';
import { ImapDialog } from './dialog.ts';
import { highestModseq, modseqs } from './responses.ts';

let server: TestServer;
const USERS = ['caps', 'select', 'fetch', 'store', 'race', 'search', 'others', 'bad', 'seen', 'gone'].map(
  (u) => `${u}@loft.test`,
);

before(async () => {
  server = await startTestServer({ auth: { max_failures_per_ip: 1000 } });
  await provision(server, ['loft.test'], USERS);
  for (const user of USERS) await deliverMany(server, user, 5);
});
after(() => server.close());

async function login(user: string): Promise<ImapDialog> {
  return ImapDialog.login(server.ports.imap!, `${user}@loft.test`);
}

describe('capability, ENABLE and HIGHESTMODSEQ', () => {
  test('CONDSTORE and QRESYNC are advertised; ENABLE CONDSTORE answers ENABLED CONDSTORE once', async () => {
    const imap = await login('caps');
    const caps = (await imap.ok('CAPABILITY')).untagged[0]!;
    assert.match(caps, / CONDSTORE( |$)/);
    assert.match(caps, / QRESYNC( |$)/);
    assert.deepEqual((await imap.ok('ENABLE CONDSTORE')).untagged, ['* ENABLED CONDSTORE']);
    assert.deepEqual((await imap.ok('ENABLE CONDSTORE')).untagged, ['* ENABLED'], 'already on');
    await imap.logout();
  });

  test('SELECT and EXAMINE report HIGHESTMODSEQ; STATUS HIGHESTMODSEQ agrees and grows with each change', async () => {
    const imap = await login('select');
    const status = (await imap.ok('STATUS INBOX (HIGHESTMODSEQ MESSAGES)')).untagged;
    const fromStatus = Number(/HIGHESTMODSEQ (\d+)/.exec(status[0]!)![1]);
    assert.match(status[0]!, /^\* STATUS "INBOX" \(HIGHESTMODSEQ \d+ MESSAGES 5\)$/);
    const examined = await imap.ok('EXAMINE INBOX');
    assert.equal(highestModseq(examined.untagged), fromStatus);
    const selected = await imap.ok('SELECT INBOX');
    assert.equal(highestModseq(selected.untagged), fromStatus);
    await imap.ok('STORE 1 +FLAGS (\\Deleted)');
    const afterStore = Number(
      /HIGHESTMODSEQ (\d+)/.exec((await imap.ok('STATUS INBOX (HIGHESTMODSEQ)')).untagged[0]!)![1],
    );
    assert.ok(afterStore > fromStatus, 'a flag change raises HIGHESTMODSEQ');
    await imap.ok('EXPUNGE');
    const afterExpunge = Number(
      /HIGHESTMODSEQ (\d+)/.exec((await imap.ok('STATUS INBOX (HIGHESTMODSEQ)')).untagged[0]!)![1],
    );
    assert.ok(afterExpunge > afterStore, 'an expunge raises HIGHESTMODSEQ');
    await imap.logout();
  });

  test('without CONDSTORE no MODSEQ; SELECT (CONDSTORE) turns it on for FETCH and STORE responses', async () => {
    const imap = await login('select');
    await imap.ok('SELECT INBOX');
    assert.doesNotMatch((await imap.ok('FETCH 1 (FLAGS)')).untagged[0]!, /MODSEQ/);
    assert.doesNotMatch((await imap.ok('STORE 1 +FLAGS ($A)')).untagged[0]!, /MODSEQ/);
    await imap.ok('SELECT INBOX (CONDSTORE)');
    assert.match(
      (await imap.ok('FETCH 1 (FLAGS)')).untagged[0]!,
      /^\* 1 FETCH \(FLAGS \([^)]*\) UID \d+ MODSEQ \(\d+\)\)$/,
    );
    assert.match(
      (await imap.ok('STORE 1 +FLAGS ($B)')).untagged[0]!,
      /^\* 1 FETCH \(FLAGS \([^)]*\$B\) UID \d+ MODSEQ \(\d+\)\)$/,
    );
    await imap.logout();
  });

  test('the first enabling command with a mailbox selected reports HIGHESTMODSEQ (STATUS, FETCH MODSEQ)', async () => {
    const imap = await login('select');
    const selected = await imap.ok('SELECT INBOX');
    const highest = highestModseq(selected.untagged);
    const status = await imap.ok('STATUS Sent (HIGHESTMODSEQ)');
    assert.equal(highestModseq(status.untagged), highest);
    assert.ok(
      !(await imap.ok('FETCH 1 (MODSEQ)')).untagged.some((l) => l.includes('HIGHESTMODSEQ')),
      'only the first',
    );
    const other = await login('select');
    await other.ok('SELECT INBOX');
    const fetched = await other.ok('FETCH 1 (MODSEQ)');
    assert.equal(highestModseq(fetched.untagged), highest);
    assert.match(fetched.untagged.at(-1)!, /^\* 1 FETCH \(MODSEQ \(\d+\)\)$/);
    await imap.logout();
    await other.logout();
  });
});

describe('FETCH (RFC 7162 §3.1.4)', () => {
  test('MODSEQ item; CHANGEDSINCE returns only what changed since, MODSEQ implied', async () => {
    const imap = await login('fetch');
    const highest = highestModseq((await imap.ok('SELECT INBOX')).untagged);
    const all = modseqs((await imap.ok('FETCH 1:* (MODSEQ)')).untagged);
    assert.deepEqual([...all.keys()], [1, 2, 3, 4, 5]);
    assert.ok([...all.values()].every((m) => m >= 1 && m <= highest));
    await imap.ok('STORE 2,4 +FLAGS.SILENT (\\Flagged)');
    const changed = (await imap.ok(`FETCH 1:* (FLAGS) (CHANGEDSINCE ${highest})`)).untagged;
    assert.deepEqual([...modseqs(changed).keys()], [2, 4]);
    assert.ok(
      changed.every((l) => /FLAGS \(\\Flagged\)/.test(l) && /UID \d+/.test(l)),
      changed.join(' | '),
    );
    assert.ok([...modseqs(changed).values()].every((m) => m > highest));
    const byUid = (await imap.ok(`UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${highest})`)).untagged;
    assert.equal(byUid.length, 2);
    assert.match(byUid[0]!, /^\* 2 FETCH \(UID 2 FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)$/);
    const latest = Math.max(...modseqs(changed).values());
    assert.deepEqual((await imap.ok(`FETCH 1:* (FLAGS) (CHANGEDSINCE ${latest})`)).untagged, []);
    await imap.logout();
  });

  test('a FETCH that sets \\Seen reports FLAGS with the new MODSEQ', async () => {
    const imap = await login('seen');
    await imap.ok('SELECT INBOX (CONDSTORE)');
    const before = modseqs((await imap.ok('FETCH 3 (MODSEQ)')).untagged).get(3)!;
    const fetched = (await imap.ok('FETCH 3 (BODY[TEXT])')).untagged.join('\n');
    assert.match(fetched, /FLAGS \(\\Seen\) UID 3 MODSEQ \((\d+)\)/);
    assert.ok(Number(/MODSEQ \((\d+)\)/.exec(fetched)![1]) > before);
    await imap.logout();
  });
});

describe('STORE UNCHANGEDSINCE (RFC 7162 §3.1.3)', () => {
  test('messages changed since are left alone and named in MODIFIED; .SILENT still reports MODSEQ', async () => {
    const imap = await login('store');
    const highest = highestModseq((await imap.ok('SELECT INBOX')).untagged);
    await imap.ok('STORE 3 +FLAGS.SILENT ($Later)');
    const silent = await imap.ok(`STORE 2:4 (UNCHANGEDSINCE ${highest}) +FLAGS.SILENT (\\Deleted)`);
    assert.match(silent.tagged, /^OK \[MODIFIED 3\] /);
    assert.deepEqual(
      silent.untagged.map((l) => l.replace(/\d+\)\)$/, 'n))').replace(/\d+\] Highest$/, 'n] Highest')),
      ['* OK [HIGHESTMODSEQ n] Highest', '* 2 FETCH (UID 2 MODSEQ (n))', '* 4 FETCH (UID 4 MODSEQ (n))'],
      'the first enabling command with a mailbox selected tells HIGHESTMODSEQ',
    );
    const flags = (await imap.ok('FETCH 2:4 (FLAGS)')).untagged;
    assert.match(flags[0]!, /\\Deleted/);
    assert.doesNotMatch(flags[1]!, /\\Deleted/, 'message 3 was modified, so not stored');
    assert.match(flags[2]!, /\\Deleted/);
    const current = modseqs(flags);
    const loud = await imap.ok(`UID STORE 2:4 (UNCHANGEDSINCE ${current.get(3)}) +FLAGS (\\Seen)`);
    assert.match(loud.tagged, /^OK \[MODIFIED 2,4\] /, 'UID STORE names UIDs');
    assert.deepEqual(loud.untagged.length, 1);
    assert.match(loud.untagged[0]!, /^\* 3 FETCH \(FLAGS \(\\Seen \$Later\) UID 3 MODSEQ \(\d+\)\)$/);
    const zero = await imap.ok('STORE 1:2 (UNCHANGEDSINCE 0) +FLAGS (\\Answered)');
    assert.match(zero.tagged, /^OK \[MODIFIED 1:2\] /, 'UNCHANGEDSINCE 0 always fails');
    assert.deepEqual(zero.untagged, []);
    const ok = await imap.ok(`STORE 5 (UNCHANGEDSINCE ${current.get(3)! + 1000}) FLAGS (\\Draft)`);
    assert.match(ok.tagged, /^OK STORE completed/);
    assert.match(ok.untagged[0]!, /^\* 5 FETCH \(FLAGS \(\\Draft\) UID 5 MODSEQ \(\d+\)\)$/);
    await imap.logout();
  });

  test('two sessions racing with the same UNCHANGEDSINCE: exactly one wins each message', async () => {
    const a = await login('race');
    const b = await login('race');
    const highest = highestModseq((await a.ok('SELECT INBOX')).untagged);
    await b.ok('SELECT INBOX');
    for (let round = 0; round < 3; round++) {
      const limit = round === 0 ? highest : highestModseq((await a.ok('SELECT INBOX')).untagged);
      await b.ok('NOOP');
      a.send(`ra${round} STORE 1:5 (UNCHANGEDSINCE ${limit}) +FLAGS.SILENT (A${round})`);
      b.send(`rb${round} STORE 1:5 (UNCHANGEDSINCE ${limit}) +FLAGS.SILENT (B${round})`);
      const [ra, rb] = await Promise.all([a.until(`ra${round}`), b.until(`rb${round}`)]);
      // The session's own changes: `* n FETCH (UID u MODSEQ (m))`; the other's arrive with FLAGS.
      const won = (exchange: { untagged: string[] }) =>
        new Set(
          exchange.untagged.map((l) => Number(/^\* (\d+) FETCH \(UID/.exec(l)?.[1])).filter((n) => n > 0),
        );
      const modified = (tagged: string) => /MODIFIED ([\d:,]+)/.exec(tagged)?.[1] ?? '';
      const wonA = won(ra);
      const wonB = won(rb);
      for (let seq = 1; seq <= 5; seq++)
        assert.ok(wonA.has(seq) !== wonB.has(seq), `round ${round}: one winner for ${seq}`);
      const expand = (set: string) =>
        set === ''
          ? []
          : set.split(',').flatMap((part) => {
              const [x, y] = part.split(':').map(Number);
              return Array.from({ length: (y ?? x!) - x! + 1 }, (_, i) => x! + i);
            });
      assert.deepEqual(
        expand(modified(ra.tagged)),
        [1, 2, 3, 4, 5].filter((s) => !wonA.has(s)),
      );
      assert.deepEqual(
        expand(modified(rb.tagged)),
        [1, 2, 3, 4, 5].filter((s) => !wonB.has(s)),
      );
    }
    const flags = (await a.ok('FETCH 1:5 (FLAGS)')).untagged;
    assert.equal(flags.length, 5);
    for (const line of flags) {
      for (let round = 0; round < 3; round++) {
        assert.ok(
          line.includes(`A${round}`) !== line.includes(`B${round}`),
          `one of the two per round: ${line}`,
        );
      }
    }
    await a.logout();
    await b.logout();
  });
});

describe('SEARCH MODSEQ (RFC 7162 §3.1.5)', () => {
  test('matches MODSEQ at least n; ends with (MODSEQ highest); entry names accepted; ESEARCH carries MODSEQ', async () => {
    const imap = await login('search');
    const highest = highestModseq((await imap.ok('SELECT INBOX')).untagged);
    await imap.ok('STORE 2 +FLAGS.SILENT (\\Seen)');
    await imap.ok('STORE 4 +FLAGS.SILENT (\\Seen)');
    const mods = modseqs((await imap.ok('FETCH 1:* (MODSEQ)')).untagged);
    const m2 = mods.get(2)!;
    const m4 = mods.get(4)!;
    assert.deepEqual((await imap.ok(`SEARCH MODSEQ ${highest + 1}`)).untagged, [
      `* SEARCH 2 4 (MODSEQ ${m4})`,
    ]);
    assert.deepEqual((await imap.ok(`UID SEARCH MODSEQ ${m4}`)).untagged, [`* SEARCH 4 (MODSEQ ${m4})`]);
    assert.deepEqual((await imap.ok(`SEARCH MODSEQ "/flags/\\\\Seen" all ${m2}`)).untagged, [
      `* SEARCH 2 4 (MODSEQ ${m4})`,
    ]);
    assert.deepEqual(
      (await imap.ok(`SEARCH MODSEQ ${m4 + 1}`)).untagged,
      ['* SEARCH'],
      'no match, no MODSEQ',
    );
    assert.deepEqual((await imap.ok('SEARCH NOT MODSEQ 0')).untagged, ['* SEARCH'], 'MODSEQ 0 matches all');
    const esearch = async (line: string): Promise<string> =>
      (await imap.ok(line)).untagged.join('|').replace(/^\* ESEARCH \(TAG "t\d+"\) /, '');
    assert.equal(await esearch(`SEARCH RETURN (MIN) MODSEQ ${highest + 1}`), `MIN 2 MODSEQ ${m2}`);
    assert.equal(await esearch(`SEARCH RETURN (MAX) MODSEQ ${highest + 1}`), `MAX 4 MODSEQ ${m4}`);
    assert.equal(await esearch(`SEARCH RETURN (COUNT) MODSEQ ${highest + 1}`), `COUNT 2 MODSEQ ${m4}`);
    assert.equal(await esearch(`UID SEARCH RETURN (ALL) MODSEQ ${highest + 1}`), `UID ALL 2,4 MODSEQ ${m4}`);
    assert.equal(await esearch('SEARCH RETURN (ALL) SEEN'), 'ALL 2,4', 'MODSEQ only when the key was used');
    await imap.logout();
  });

  test('SEARCH MODSEQ is CONDSTORE enabling: later FETCH FLAGS carry MODSEQ', async () => {
    const imap = await login('search');
    await imap.ok('SELECT INBOX');
    const searched = await imap.ok('SEARCH MODSEQ 1');
    assert.ok(searched.untagged.some((l) => l.startsWith('* OK [HIGHESTMODSEQ ')));
    assert.match((await imap.ok('FETCH 1 (FLAGS)')).untagged[0]!, /MODSEQ \(\d+\)/);
    await imap.logout();
  });
});

describe('other sessions (RFC 7162 §3.1.4)', () => {
  test('an unsolicited FETCH for a change made elsewhere carries MODSEQ once CONDSTORE is on, not before', async () => {
    const writer = await login('others');
    const aware = await login('others');
    const plain = await login('others');
    await writer.ok('SELECT INBOX');
    const highest = highestModseq((await aware.ok('SELECT INBOX (CONDSTORE)')).untagged);
    await plain.ok('SELECT INBOX');
    await writer.ok('STORE 3 +FLAGS.SILENT (\\Flagged)');
    const seen = (await aware.ok('NOOP')).untagged;
    assert.equal(seen.length, 1);
    assert.match(seen[0]!, /^\* 3 FETCH \(FLAGS \(\\Flagged\) UID 3 MODSEQ \((\d+)\)\)$/);
    assert.ok(Number(/MODSEQ \((\d+)\)/.exec(seen[0]!)![1]) > highest);
    assert.deepEqual((await plain.ok('NOOP')).untagged, ['* 3 FETCH (FLAGS (\\Flagged) UID 3)']);
    await writer.logout();
    await aware.logout();
    await plain.logout();
  });
});

describe('STORE UNCHANGEDSINCE on a message another session expunged', () => {
  test('the message is not stored and is named in MODIFIED, the others are stored', async () => {
    const a = await login('gone');
    const b = await login('gone');
    const highest = highestModseq((await a.ok('SELECT INBOX')).untagged);
    await b.ok('SELECT INBOX');
    await b.ok('STORE 4 +FLAGS.SILENT (\\Deleted)');
    await b.ok('EXPUNGE');
    const reply = await a.ok(`STORE 3:4 (UNCHANGEDSINCE ${highest + 100}) +FLAGS (\\Answered)`);
    assert.match(reply.tagged, /^OK \[MODIFIED 4\] /);
    assert.ok(!reply.untagged.some((l) => l.includes('EXPUNGE')), 'sequence numbers stay during STORE');
    assert.ok(
      reply.untagged.some((l) => /^\* 3 FETCH \(FLAGS \(\\Answered\) UID 3 MODSEQ/.test(l)),
      reply.untagged.join(' | '),
    );
    assert.ok((await a.ok('NOOP')).untagged.includes('* 4 EXPUNGE'));
    await a.logout();
    await b.logout();
  });
});

describe('bad values (RFC 7162 §7)', () => {
  test('CHANGEDSINCE 0 or beyond 2^63-1, UNCHANGEDSINCE beyond 2^63-1, MODSEQ beyond are BAD', async () => {
    const imap = await login('bad');
    await imap.ok('SELECT INBOX');
    await imap.expect('FETCH 1:* (FLAGS) (CHANGEDSINCE 0)', 'BAD');
    await imap.expect('FETCH 1:* (FLAGS) (CHANGEDSINCE 9223372036854775808)', 'BAD');
    await imap.expect('FETCH 1:* (FLAGS) (CHANGEDSINCE -1)', 'BAD');
    await imap.expect('FETCH 1:* (FLAGS) (CHANGEDSINCE)', 'BAD');
    await imap.expect('STORE 1 (UNCHANGEDSINCE 9223372036854775808) +FLAGS (\\Seen)', 'BAD');
    await imap.expect('STORE 1 (UNCHANGEDSINCE x) +FLAGS (\\Seen)', 'BAD');
    await imap.expect('SEARCH MODSEQ 99999999999999999999', 'BAD');
    await imap.expect('SEARCH MODSEQ "/flags/x" nope 5', 'BAD');
    // The largest value is fine, and nothing changed since it (the first enabling command tells HIGHESTMODSEQ).
    const largest = await imap.ok('FETCH 1:* (FLAGS) (CHANGEDSINCE 9223372036854775807)');
    assert.deepEqual(largest.untagged.length, 1);
    highestModseq(largest.untagged);
    const flags = (await imap.ok('FETCH 1 (FLAGS)')).untagged[0]!;
    assert.doesNotMatch(flags, /\\Seen/, 'a BAD STORE changed nothing');
    await imap.logout();
  });
});
