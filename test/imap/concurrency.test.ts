/**
 * Many sessions, one mailbox, as raw transcripts: flags stored in one session reach another as
 * untagged FETCH (at NOOP and during IDLE); an EXPUNGE in one session reaches the other as
 * `* n EXPUNGE`, but never while it answers FETCH, STORE or SEARCH (RFC 9051 §7.5.1); POP3
 * deletions and SMTP deliveries reach IMAP; concurrent flag changes on one message both stick.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { Pop3Dialog } from '../pop3/dialog.ts';
import { deliver, deliverMany } from '../pop3/support.ts';
import { ImapDialog } from './dialog.ts';

let server: TestServer;
const USERS = ['flags', 'idle', 'expunge', 'store', 'search', 'pop', 'race', 'deliver'].map(
  (u) => `${u}@loft.test`,
);

before(async () => {
  server = await startTestServer({ auth: { max_failures_per_ip: 1000 } });
  await provision(server, ['loft.test'], USERS);
  for (const user of USERS) await deliverMany(server, user, 5);
});
after(() => server.close());

/** Two sessions of `user`, each with INBOX selected. */
async function pair(user: string): Promise<[ImapDialog, ImapDialog]> {
  const a = await ImapDialog.login(server.ports.imap!, user);
  const b = await ImapDialog.login(server.ports.imap!, user);
  await a.ok('SELECT INBOX');
  await b.ok('SELECT INBOX');
  return [a, b];
}

/** Runs NOOP until `check` holds for the untagged responses collected so far. */
async function noopUntil(imap: ImapDialog, check: (lines: string[]) => boolean): Promise<string[]> {
  const lines: string[] = [];
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    lines.push(...(await imap.ok('NOOP')).untagged);
    if (check(lines)) return lines;
    await new Promise((r) => setTimeout(r, 30));
  }
  assert.fail(`never saw the expected updates: ${lines.join(' | ')}`);
}

describe('flags', () => {
  test('STORE in one session shows as untagged FETCH in the other at its NOOP', async () => {
    const [a, b] = await pair('flags@loft.test');
    await a.ok('STORE 2 +FLAGS.SILENT (\\Flagged $Work)');
    const seen = await noopUntil(b, (l) => l.some((x) => x.startsWith('* 2 FETCH ')));
    const fetch = seen.find((x) => x.startsWith('* 2 FETCH '))!;
    assert.match(fetch, /FLAGS \([^)]*\\Flagged/);
    assert.match(fetch, /\$Work/);
    // Told once: a second NOOP has nothing new.
    assert.deepEqual((await b.ok('NOOP')).untagged, []);
    await a.logout();
    await b.logout();
  });

  test('STORE in one session reaches the other during IDLE', async () => {
    const [a, b] = await pair('idle@loft.test');
    b.send('i1 IDLE');
    assert.match((await b.response())!, /^\+ /);
    await a.ok('STORE 3 +FLAGS.SILENT (\\Answered)');
    const update = await b.response(2000);
    assert.match(update!, /^\* 3 FETCH \(.*FLAGS \(\\Answered\)/);
    b.send('DONE');
    assert.match((await b.response())!, /^i1 OK /);
    await a.logout();
    await b.logout();
  });

  test('two sessions storing different flags on one message at once: both take effect', async () => {
    const [a, b] = await pair('race@loft.test');
    const rounds = 20;
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < rounds; i++) {
      work.push(a.ok(`STORE 1 +FLAGS.SILENT ($a${i})`));
      work.push(b.ok(`STORE 1 +FLAGS.SILENT ($b${i})`));
    }
    work.push(a.ok('STORE 1 +FLAGS.SILENT (\\Seen)'), b.ok('STORE 1 +FLAGS.SILENT (\\Flagged)'));
    await Promise.all(work);
    const fetched = (await a.ok('FETCH 1 FLAGS')).untagged.find((l) => l.startsWith('* 1 FETCH '))!;
    for (let i = 0; i < rounds; i++) {
      assert.ok(fetched.includes(`$a${i}`), `$a${i} kept: ${fetched}`);
      assert.ok(fetched.includes(`$b${i}`), `$b${i} kept: ${fetched}`);
    }
    assert.match(fetched, /\\Seen/);
    assert.match(fetched, /\\Flagged/);
    await a.logout();
    await b.logout();
  });
});

describe('EXPUNGE between sessions (RFC 9051 §7.5.1)', () => {
  test('no EXPUNGE during FETCH: sequence numbers stay as the client knows them; NOOP reports it', async () => {
    const [a, b] = await pair('expunge@loft.test');
    await a.ok('STORE 2 +FLAGS.SILENT (\\Deleted)');
    const expunged = await a.ok('EXPUNGE');
    assert.deepEqual(expunged.untagged, ['* 2 EXPUNGE']);
    // B has not been told: message 5 is still UID 5, message 3 still UID 3.
    const fetched = await b.ok('FETCH 1:5 (UID)');
    assert.ok(
      !fetched.untagged.some((l) => /EXPUNGE/.test(l)),
      `no EXPUNGE during FETCH: ${fetched.untagged}`,
    );
    assert.ok(fetched.untagged.includes('* 3 FETCH (UID 3)'), fetched.untagged.join(' | '));
    assert.ok(fetched.untagged.includes('* 5 FETCH (UID 5)'), fetched.untagged.join(' | '));
    const noop = await b.ok('NOOP');
    assert.ok(noop.untagged.includes('* 2 EXPUNGE'), `NOOP reports it: ${noop.untagged}`);
    // Now the numbering has moved down.
    const after = await b.ok('FETCH 4 (UID)');
    assert.deepEqual(after.untagged, ['* 4 FETCH (UID 5)']);
    await b.expect('FETCH 5 (UID)', 'BAD');
    await a.logout();
    await b.logout();
  });

  test('no EXPUNGE during STORE', async () => {
    const [a, b] = await pair('store@loft.test');
    await a.ok('STORE 1 +FLAGS.SILENT (\\Deleted)');
    await a.ok('EXPUNGE');
    const stored = await b.ok('STORE 5 +FLAGS (\\Seen)');
    assert.ok(!stored.untagged.some((l) => /EXPUNGE/.test(l)), stored.untagged.join(' | '));
    assert.ok(
      stored.untagged.some((l) => l.startsWith('* 5 FETCH ')),
      'old number 5 still addresses UID 5',
    );
    const noop = await b.ok('NOOP');
    assert.ok(noop.untagged.includes('* 1 EXPUNGE'), noop.untagged.join(' | '));
    await a.logout();
    await b.logout();
  });

  test('no EXPUNGE during SEARCH', async () => {
    const [a, b] = await pair('search@loft.test');
    await a.ok('STORE 1 +FLAGS.SILENT (\\Deleted)');
    await a.ok('EXPUNGE');
    const searched = await b.ok('SEARCH ALL');
    assert.ok(!searched.untagged.some((l) => /EXPUNGE/.test(l)), searched.untagged.join(' | '));
    assert.ok(searched.untagged.includes('* SEARCH 1 2 3 4 5'), searched.untagged.join(' | '));
    const noop = await b.ok('NOOP');
    assert.ok(noop.untagged.includes('* 1 EXPUNGE'), noop.untagged.join(' | '));
    await a.logout();
    await b.logout();
  });

  test('a POP3 QUIT with DELE expunges; the IMAP session on INBOX is told', async () => {
    const imap = await ImapDialog.login(server.ports.imap!, 'pop@loft.test');
    await imap.ok('SELECT INBOX');
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'pop@loft.test');
    await pop.command('DELE 4', true);
    // Not before QUIT (RFC 1939 §6: deletions happen in the UPDATE state).
    assert.deepEqual((await imap.ok('NOOP')).untagged, []);
    await pop.quit();
    const lines = await noopUntil(imap, (l) => l.includes('* 4 EXPUNGE'));
    assert.ok(lines.includes('* 4 EXPUNGE'));
    assert.deepEqual((await imap.ok('FETCH 4 (UID)')).untagged, ['* 4 FETCH (UID 5)']);
    // And during IDLE.
    const pop2 = await Pop3Dialog.login(server.ports.pop3!, 'pop@loft.test');
    await pop2.command('DELE 1', true);
    imap.send('i2 IDLE');
    assert.match((await imap.response())!, /^\+ /);
    await pop2.quit();
    assert.equal(await imap.response(2000), '* 1 EXPUNGE');
    imap.send('DONE');
    assert.match((await imap.response())!, /^i2 OK /);
    await imap.logout();
  });
});

describe('deliveries', () => {
  test('a delivery reaches a selected session as EXISTS at NOOP, not during FETCH numbering', async () => {
    const [a, b] = await pair('deliver@loft.test');
    await deliver(server, 'deliver@loft.test', 'Subject: late\r\n\r\nlate');
    const lines = await noopUntil(a, (l) => l.includes('* 6 EXISTS'));
    assert.ok(lines.includes('* 6 EXISTS'));
    // B learns it at its next command; then 6 is addressable.
    const fetched = await b.ok('FETCH 1 (UID)');
    const all = [...fetched.untagged, ...(await b.ok('NOOP')).untagged];
    assert.ok(all.includes('* 6 EXISTS'), all.join(' | '));
    assert.deepEqual((await b.ok('FETCH 6 (UID)')).untagged, ['* 6 FETCH (UID 6)']);
    await a.logout();
    await b.logout();
  });
});
