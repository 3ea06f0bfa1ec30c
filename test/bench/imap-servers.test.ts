/**
 * Integration tests of the IMAP benchmark against real servers: Loft filled by the benchmark's
 * own child path and started as a process, the checked session passing on the right mailbox and
 * failing on a wrong expectation, idle connections; and a small whole run of `runImap` (with the
 * benchmark's Dovecot instance where Dovecot is installed and we are root, skipped otherwise).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runImap } from '../../bench/imap.ts';
import { dovecotUnavailable } from '../../bench/lib/dovecot-server.ts';
import { fillLoft } from '../../bench/lib/imap-fill.ts';
import { closeIdleConnections, openIdleConnections } from '../../bench/lib/imap-idle.ts';
import { MailboxGenerator, rareMessages } from '../../bench/lib/imap-messages.ts';
import { type ExpectedMailbox, IMAP_OPERATIONS, runImapSession } from '../../bench/lib/imap-session.ts';
import { DEFAULT_PASSWORD, LoftServer } from '../../bench/lib/loft-server.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';

const USER = 'u1@bench.test';
const COUNT = 40;
const SEED = 7;

function expectedMailbox(): ExpectedMailbox {
  const sizes = new Uint32Array(COUNT);
  let seen = 0;
  for (const m of new MailboxGenerator(COUNT, SEED)) {
    sizes[m.index] = m.raw.length;
    if (m.seen) seen += 1;
  }
  return { sizes, seen, rareUids: rareMessages(COUNT, SEED).map((i) => i + 1), seed: SEED };
}

describe('the benchmark session against a filled Loft', () => {
  let root: string;
  let loft: LoftServer;
  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'loft-bench-imap-test-'));
    const filled = await fillLoft(path.join(root, 'data'), COUNT, SEED, USER, DEFAULT_PASSWORD);
    assert.equal(filled.messages, COUNT);
    loft = await LoftServer.start({
      root,
      domain: 'bench.test',
      users: [USER],
      imap: true,
      provisioned: true,
      connections: 100,
    });
    assert.equal(await loft.waitIndexed(COUNT, 60_000), true);
  });
  after(async () => {
    await loft?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('times and verifies every operation', async () => {
    const results = await runImapSession({
      port: loft.imapPort!,
      user: USER,
      password: DEFAULT_PASSWORD,
      expected: expectedMailbox(),
      bodies: 10,
    });
    assert.deepEqual(
      results.map((r) => r.operation),
      [...IMAP_OPERATIONS],
    );
    for (const r of results) assert.equal(r.verified, true, `${r.operation}: ${r.error}`);
    const byName = new Map(results.map((r) => [r.operation, r]));
    assert.equal(byName.get('fetch-flags')!.responses, COUNT);
    assert.equal(byName.get('fetch-envelope')!.responses, COUNT);
    assert.equal(byName.get('fetch-bodies')!.responses, 10);
    assert.ok(byName.get('fetch-bodies')!.octets > 10 * 1500);
  });

  it('fails the checks when the answers are not the expected ones', async () => {
    const expected = expectedMailbox();
    const wrong = {
      ...expected,
      seen: expected.seen + 1,
      rareUids: [...expected.rareUids, COUNT],
      sizes: expected.sizes.map((s, i) => (i === 0 ? s + 1 : s)),
    };
    const results = await runImapSession({
      port: loft.imapPort!,
      user: USER,
      password: DEFAULT_PASSWORD,
      expected: wrong,
      bodies: 10,
    });
    const failed = new Map(results.filter((r) => !r.verified).map((r) => [r.operation, r.error]));
    assert.match(failed.get('fetch-flags') ?? '', /\\Seen, expected/);
    assert.match(failed.get('search-text') ?? '', /expected \[/);
    assert.match(failed.get('fetch-bodies') ?? '', /UID 1: \d+ octets, expected/);
    const badLogin = await runImapSession({
      port: loft.imapPort!,
      user: USER,
      password: 'wrong',
      expected,
    });
    assert.equal(badLogin.length, 1);
    assert.equal(badLogin[0]!.verified, false);
  });

  it('holds connections in IDLE, logged in by SCRAM-SHA-256', async () => {
    const opened = await openIdleConnections({
      port: loft.imapPort!,
      user: USER,
      password: DEFAULT_PASSWORD,
      connections: 12,
      concurrency: 4,
      scram: true,
      exists: COUNT,
    });
    assert.deepEqual(opened.errors, []);
    assert.equal(opened.idling, 12);
    assert.ok(opened.clients.every((c) => !c.closed));
    closeIdleConnections(opened.clients);
    const refused = await openIdleConnections({
      port: loft.imapPort!,
      user: USER,
      password: 'wrong',
      connections: 2,
      scram: true,
      exists: COUNT,
    });
    assert.equal(refused.idling, 0);
    assert.equal(refused.failed, 2);
  });
});

describe('runImap, a small whole run', () => {
  it('fills the mailboxes of Loft on both backends and Dovecot, measures each and verifies every answer', {
    timeout: 240_000,
  }, async () => {
    const lines: string[] = [];
    const result = await runImap({
      servers: ['loft', 'loft-pg', 'dovecot'],
      messages: 60,
      connections: 20,
      seed: SEED,
      repeat: 1,
      selectSamples: 2,
      keep: false,
      profile: false,
      idleSeconds: 120,
      postgres: TEST_DATABASE_URL,
      log: (line) => lines.push(line),
    });
    const withDovecot = dovecotUnavailable('imap') === undefined;
    assert.deepEqual(
      result.notes.filter((n) => !n.startsWith('Dovecot skipped')),
      [],
    );
    const servers = withDovecot ? ['loft', 'loft-pg', 'dovecot'] : ['loft', 'loft-pg'];
    assert.equal(result.rows.length, servers.length * 2 * IMAP_OPERATIONS.length);
    for (const row of result.rows)
      assert.equal(row.verified, true, `${row.server} ${row.operation}: ${row.error}`);
    // SELECT of the later session and of the two short sessions; every other operation once.
    for (const row of result.rows.filter((r) => r.phase === 'later'))
      assert.equal(row.runs.length, row.operation === 'select' ? 3 : 1, `${row.server} ${row.operation}`);
    assert.deepEqual(
      result.memory.map((m) => `${m.server} ${m.idling}`),
      servers.map((s) => `${s} 20`),
    );
    assert.deepEqual(
      result.loading.map((l) => [l.server, l.indexSeconds !== undefined]),
      [
        ['loft', true],
        ['loft-pg', true],
      ],
    );
    assert.ok(result.mailbox.averageOctets > 2000);
    assert.ok(lines.some((l) => l.startsWith('generating 60 messages')));
  });
});
