/**
 * QRESYNC (RFC 7162 §3.2) against a real server: ENABLE QRESYNC (implying CONDSTORE), SELECT
 * (QRESYNC (…)) answering VANISHED (EARLIER) and FETCH of what changed, known-uids, a stale
 * UIDVALIDITY, UID FETCH (CHANGEDSINCE n VANISHED), VANISHED instead of EXPUNGE for EXPUNGE, UID
 * EXPUNGE, MOVE and expunges made by another session, `[CLOSED]`, and the BAD answers.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { deliverMany } from '../pop3/support.ts';
import { ImapDialog } from './dialog.ts';

let server: TestServer;
const USERS = [
  'enable',
  'resync',
  'known',
  'stale',
  'history',
  'uidfetch',
  'pending',
  'expunge',
  'move',
  'others',
  'idle',
  'closed',
  'bad',
].map((u) => `${u}@loft.test`);

before(async () => {
  server = await startTestServer({ auth: { max_failures_per_ip: 1000 } });
  await provision(server, ['loft.test'], USERS);
  for (const user of USERS) await deliverMany(server, user, 6);
});
after(() => server.close());

/** A session of `user` with QRESYNC enabled (nothing selected). */
async function qresync(user: string): Promise<ImapDialog> {
  const imap = await ImapDialog.login(server.ports.imap!, `${user}@loft.test`);
  assert.deepEqual((await imap.ok('ENABLE QRESYNC')).untagged, ['* ENABLED QRESYNC']);
  return imap;
}

/** UIDVALIDITY and HIGHESTMODSEQ from a SELECT's responses. */
function state(lines: readonly string[]): { uidValidity: number; modseq: number } {
  const find = (code: string): number => {
    const line = lines.find((l) => l.startsWith(`* OK [${code} `));
    assert.ok(line, `no ${code} in ${lines.join(' | ')}`);
    return Number(new RegExp(`${code} (\\d+)`).exec(line)![1]);
  };
  return { uidValidity: find('UIDVALIDITY'), modseq: find('HIGHESTMODSEQ') };
}

describe('ENABLE QRESYNC', () => {
  test('implies CONDSTORE: FETCH FLAGS carry UID and MODSEQ; ENABLE CONDSTORE then enables nothing new', async () => {
    const imap = await qresync('enable');
    await imap.ok('SELECT INBOX');
    assert.match(
      (await imap.ok('FETCH 1 (FLAGS)')).untagged[0]!,
      /^\* 1 FETCH \(FLAGS \(\) UID 1 MODSEQ \(\d+\)\)$/,
    );
    assert.deepEqual((await imap.ok('ENABLE CONDSTORE QRESYNC')).untagged, ['* ENABLED']);
    await imap.logout();
    const both = await ImapDialog.login(server.ports.imap!, 'enable@loft.test');
    assert.deepEqual((await both.ok('ENABLE CONDSTORE QRESYNC')).untagged, ['* ENABLED CONDSTORE QRESYNC']);
    await both.logout();
  });
});

describe('SELECT (QRESYNC …) (RFC 7162 §3.2.5)', () => {
  test('VANISHED (EARLIER) for what went, FETCH for what changed, since the client last synchronised', async () => {
    const client = await qresync('resync');
    const known = state((await client.ok('SELECT INBOX')).untagged);
    await client.logout();
    // Meanwhile, another session changes message 2, expunges 3 and 5, and a new message arrives.
    const other = await ImapDialog.login(server.ports.imap!, 'resync@loft.test');
    await other.ok('SELECT INBOX');
    await other.ok('STORE 2 +FLAGS.SILENT (\\Flagged)');
    await other.ok('STORE 3,5 +FLAGS.SILENT (\\Deleted)');
    await other.ok('EXPUNGE');
    await other.logout();
    await deliverMany(server, 'resync@loft.test', 1, 'late');
    const again = await qresync('resync');
    const reply = await again.ok(`SELECT INBOX (QRESYNC (${known.uidValidity} ${known.modseq}))`);
    const now = state(reply.untagged);
    assert.ok(now.modseq > known.modseq);
    assert.ok(reply.untagged.includes('* 5 EXISTS'));
    const tail = reply.untagged.slice(reply.untagged.findIndex((l) => l.startsWith('* VANISHED')));
    assert.deepEqual(
      tail.map((l) => l.replace(/MODSEQ \(\d+\)/, 'MODSEQ (n)')),
      [
        '* VANISHED (EARLIER) 3,5',
        '* 2 FETCH (FLAGS (\\Flagged) UID 2 MODSEQ (n))',
        '* 5 FETCH (FLAGS () UID 7 MODSEQ (n))',
      ],
      'the new message 7 changed since too',
    );
    // Synchronised: nothing to report from the state just received.
    const quiet = await again.ok(`SELECT INBOX (QRESYNC (${now.uidValidity} ${now.modseq}))`);
    assert.ok(
      !quiet.untagged.some((l) => l.startsWith('* VANISHED') || / FETCH /.test(l)),
      quiet.untagged.join(' | '),
    );
    await again.logout();
  });

  test('known-uids limits VANISHED (EARLIER); seq-match-data is accepted', async () => {
    const client = await qresync('known');
    const known = state((await client.ok('SELECT INBOX')).untagged);
    await client.ok('STORE 1,4,6 +FLAGS.SILENT (\\Deleted)');
    await client.ok('EXPUNGE');
    const reply = await client.ok(`EXAMINE INBOX (QRESYNC (${known.uidValidity} ${known.modseq} 2:5))`);
    assert.ok(reply.untagged.includes('* VANISHED (EARLIER) 4'), reply.untagged.join(' | '));
    assert.ok(!reply.untagged.some((l) => / FETCH /.test(l)), 'nothing else changed');
    const withSeq = await client.ok(
      `EXAMINE INBOX (QRESYNC (${known.uidValidity} ${known.modseq} 1:6 (1:3 2,3,5)))`,
    );
    assert.ok(withSeq.untagged.includes('* VANISHED (EARLIER) 1,4,6'), withSeq.untagged.join(' | '));
    await client.logout();
  });

  test('a UIDVALIDITY that no longer holds gives a plain SELECT: no VANISHED, no FETCH', async () => {
    const client = await qresync('stale');
    const known = state((await client.ok('SELECT INBOX')).untagged);
    await client.ok('STORE 1 +FLAGS.SILENT (\\Deleted \\Seen)');
    await client.ok('EXPUNGE');
    const reply = await client.ok(`SELECT INBOX (QRESYNC (${known.uidValidity + 1} 1))`);
    assert.ok(
      !reply.untagged.some((l) => l.startsWith('* VANISHED') || / FETCH /.test(l)),
      reply.untagged.join(' | '),
    );
    assert.ok(reply.untagged.includes('* 5 EXISTS'));
    state(reply.untagged);
    await client.logout();
  });
});

describe('a mailbox older than the expunge history (migration 7)', () => {
  test('for a MODSEQ before the history, VANISHED (EARLIER) names every UID not present', async () => {
    const client = await qresync('history');
    const known = state((await client.ok('SELECT INBOX')).untagged);
    await client.ok('STORE 2 +FLAGS.SILENT (\\Deleted)');
    await client.ok('EXPUNGE');
    // As if the mailbox predated migration 7: its history starts at the current HIGHESTMODSEQ.
    const db = new DatabaseSync(path.join(server.dataDir, 'loft.db'));
    try {
      db.prepare(
        `UPDATE mailboxes SET expunge_history_from = highest_modseq
         WHERE name = 'INBOX' AND account_id = (SELECT id FROM accounts WHERE address = ?)`,
      ).run('history@loft.test');
    } finally {
      db.close();
    }
    await client.ok('STORE 4 +FLAGS.SILENT (\\Deleted)');
    await client.ok('EXPUNGE');
    const reply = await client.ok(`EXAMINE INBOX (QRESYNC (${known.uidValidity} ${known.modseq}))`);
    assert.ok(reply.untagged.includes('* VANISHED (EARLIER) 2,5'), reply.untagged.join(' | '));
    const limited = await client.ok(`EXAMINE INBOX (QRESYNC (${known.uidValidity} ${known.modseq} 1:3))`);
    assert.ok(limited.untagged.includes('* VANISHED (EARLIER) 2'), limited.untagged.join(' | '));
    const recent = state(reply.untagged);
    const exact = await client.ok(`EXAMINE INBOX (QRESYNC (${known.uidValidity} ${recent.modseq - 1}))`);
    assert.ok(exact.untagged.includes('* VANISHED (EARLIER) 5'), 'within the history, exact');
    await client.logout();
  });
});

describe('UID FETCH (CHANGEDSINCE n VANISHED) (RFC 7162 §3.2.6)', () => {
  test('first the UIDs of the set expunged since, then the messages changed since', async () => {
    const client = await qresync('uidfetch');
    const known = state((await client.ok('SELECT INBOX')).untagged);
    await client.ok('STORE 2 +FLAGS.SILENT (\\Deleted)');
    await client.ok('STORE 6 +FLAGS.SILENT (\\Deleted)');
    await client.ok('UID EXPUNGE 2,6');
    await client.ok('UID STORE 3 +FLAGS.SILENT ($Done)');
    const reply = await client.ok(`UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${known.modseq} VANISHED)`);
    assert.deepEqual(
      reply.untagged.map((l) => l.replace(/MODSEQ \(\d+\)/, 'MODSEQ (n)')),
      ['* VANISHED (EARLIER) 2,6', '* 2 FETCH (UID 3 FLAGS ($Done) MODSEQ (n))'],
    );
    const within = await client.ok(`UID FETCH 3:5 (FLAGS) (CHANGEDSINCE ${known.modseq} VANISHED)`);
    assert.ok(!within.untagged.some((l) => l.startsWith('* VANISHED')), 'only UIDs within the set');
    const plain = await client.ok(`UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${known.modseq})`);
    assert.ok(!plain.untagged.some((l) => l.startsWith('* VANISHED')), 'only with VANISHED');
    await client.logout();
  });
});

describe('UID FETCH VANISHED with an expunge not yet reported', () => {
  test('the pending expunge comes as VANISHED after the FETCH data, not as VANISHED (EARLIER)', async () => {
    const client = await qresync('pending');
    const other = await ImapDialog.login(server.ports.imap!, 'pending@loft.test');
    const known = state((await client.ok('SELECT INBOX')).untagged);
    await other.ok('SELECT INBOX');
    await other.ok('STORE 1 +FLAGS.SILENT (\\Deleted)');
    await client.ok('STORE 1 +FLAGS.SILENT (\\Deleted)');
    await client.ok('UID EXPUNGE 1');
    await other.ok('STORE 3 +FLAGS.SILENT (\\Deleted)');
    await other.ok('EXPUNGE');
    const reply = await client.ok(`UID FETCH 1:* (UID) (CHANGEDSINCE ${known.modseq} VANISHED)`);
    assert.equal(reply.untagged[0], '* VANISHED (EARLIER) 1', 'UID 3 is still counted by the client');
    assert.equal(reply.untagged.at(-1), '* VANISHED 3');
    await client.logout();
    await other.logout();
  });
});

describe('VANISHED instead of EXPUNGE (RFC 7162 §3.2.10)', () => {
  test('EXPUNGE and UID EXPUNGE answer VANISHED with UIDs', async () => {
    const client = await qresync('expunge');
    await client.ok('SELECT INBOX');
    await client.ok('STORE 2,3,5 +FLAGS.SILENT (\\Deleted)');
    const uidExpunge = await client.ok('UID EXPUNGE 5');
    assert.deepEqual(uidExpunge.untagged, ['* VANISHED 5']);
    // RFC 7162 §3.2.7, §3.2.9: the tagged OK carries the MODSEQ of the removal.
    const first = Number(/^OK \[HIGHESTMODSEQ (\d+)\] /.exec(uidExpunge.tagged)?.[1]);
    const expunge = await client.ok('EXPUNGE');
    assert.deepEqual(expunge.untagged, ['* VANISHED 2:3']);
    const second = Number(/^OK \[HIGHESTMODSEQ (\d+)\] /.exec(expunge.tagged)?.[1]);
    assert.ok(second > first, `${first} then ${second}`);
    const status = (await client.ok('STATUS INBOX (HIGHESTMODSEQ)')).untagged[0]!;
    assert.equal(status, `* STATUS "INBOX" (HIGHESTMODSEQ ${second})`);
    assert.equal((await client.ok('EXPUNGE')).tagged, 'OK EXPUNGE completed', 'nothing expunged, no MODSEQ');
    assert.match((await client.ok('FETCH 2 (UID)')).untagged[0]!, /^\* 2 FETCH \(UID 4\)$/);
    await client.logout();
  });

  test('MOVE answers COPYUID then VANISHED', async () => {
    const client = await qresync('move');
    await client.ok('SELECT INBOX');
    const reply = await client.ok('MOVE 2:3 Sent');
    assert.equal(reply.untagged.length, 2);
    assert.match(reply.untagged[0]!, /^\* OK \[COPYUID \d+ 2:3 1:2\]/);
    assert.equal(reply.untagged[1], '* VANISHED 2:3');
    await client.logout();
  });

  test('expunges by another session arrive as VANISHED at NOOP, never during FETCH; others still get EXPUNGE', async () => {
    const client = await qresync('others');
    const plain = await ImapDialog.login(server.ports.imap!, 'others@loft.test');
    const other = await ImapDialog.login(server.ports.imap!, 'others@loft.test');
    await client.ok('SELECT INBOX');
    await plain.ok('SELECT INBOX');
    await other.ok('SELECT INBOX');
    await other.ok('STORE 2,4 +FLAGS.SILENT (\\Deleted)');
    await other.ok('EXPUNGE');
    const status = (await other.ok('STATUS INBOX (HIGHESTMODSEQ)')).untagged[0]!;
    const expungeModseq = Number(/HIGHESTMODSEQ (\d+)/.exec(status)![1]);
    const fetched = await client.ok('FETCH 1:* (UID)');
    assert.ok(!fetched.untagged.some((l) => l.startsWith('* VANISHED')), 'not while answering FETCH');
    // RFC 7162 §3.2: the held-back expunge is covered by a lower HIGHESTMODSEQ.
    assert.equal(fetched.untagged.at(-1), `* OK [HIGHESTMODSEQ ${expungeModseq - 1}] Highest`);
    const noop = await client.ok('NOOP');
    assert.ok(noop.untagged.includes('* VANISHED 2,4'), noop.untagged.join(' | '));
    assert.ok(!noop.untagged.some((l) => l.endsWith(' EXPUNGE')));
    const plainNoop = await plain.ok('NOOP');
    assert.deepEqual(
      plainNoop.untagged.filter((l) => l.endsWith(' EXPUNGE')),
      ['* 4 EXPUNGE', '* 2 EXPUNGE'],
    );
    await client.logout();
    await plain.logout();
    await other.logout();
  });
});

describe('IDLE with QRESYNC', () => {
  test('changes made elsewhere arrive during IDLE as FETCH with MODSEQ and as VANISHED', async () => {
    const client = await qresync('idle');
    const other = await ImapDialog.login(server.ports.imap!, 'idle@loft.test');
    await client.ok('SELECT INBOX');
    await other.ok('SELECT INBOX');
    client.send('i1 IDLE');
    assert.match((await client.response())!, /^\+ /);
    await other.ok('STORE 2 +FLAGS.SILENT (\\Answered \\Deleted)');
    assert.match(
      (await client.response(2000))!,
      /^\* 2 FETCH \(FLAGS \(\\Answered \\Deleted\) UID 2 MODSEQ \(\d+\)\)$/,
    );
    await other.ok('EXPUNGE');
    assert.equal(await client.response(2000), '* VANISHED 2');
    client.send('DONE');
    assert.match((await client.response())!, /^i1 OK /);
    await client.logout();
    await other.logout();
  });
});

describe('[CLOSED] (RFC 7162 §3.2.11, RFC 9051 §7.1)', () => {
  test('a SELECT that replaces the selected mailbox first says the old one is closed', async () => {
    const client = await qresync('closed');
    const first = await client.ok('SELECT INBOX');
    assert.ok(!first.untagged.some((l) => l.includes('[CLOSED]')), 'nothing was selected');
    const second = await client.ok('EXAMINE Sent');
    assert.match(second.untagged[0]!, /^\* OK \[CLOSED\]/);
    const failed = await client.expect('SELECT Nowhere', 'NO');
    assert.match(failed.untagged[0]!, /^\* OK \[CLOSED\]/, 'closed even when the new SELECT fails');
    await client.expect('FETCH 1 (UID)', 'BAD');
    await client.logout();
  });
});

describe('bad commands', () => {
  test('QRESYNC and VANISHED without ENABLE QRESYNC are BAD; VANISHED needs UID FETCH and CHANGEDSINCE', async () => {
    const imap = await ImapDialog.login(server.ports.imap!, 'bad@loft.test');
    await imap.expect('SELECT INBOX (QRESYNC (1 1))', 'BAD');
    await imap.ok('SELECT INBOX');
    await imap.expect('UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)', 'BAD');
    await imap.ok('ENABLE QRESYNC');
    await imap.expect('FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)', 'BAD');
    await imap.expect('UID FETCH 1:* (FLAGS) (VANISHED)', 'BAD');
    await imap.expect('UID FETCH 1:* (FLAGS) (CHANGEDSINCE 0 VANISHED)', 'BAD');
    await imap.expect('SELECT INBOX (QRESYNC (0 1))', 'BAD');
    await imap.expect('SELECT INBOX (QRESYNC (1 0))', 'BAD');
    await imap.expect('SELECT INBOX (QRESYNC (1 1 1:*))', 'BAD');
    await imap.ok('UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)');
    await imap.logout();
  });
});
