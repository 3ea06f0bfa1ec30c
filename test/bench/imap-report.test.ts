/**
 * Unit tests of the IMAP benchmark's pure parts: the generated mailbox (deterministic, 2–5 KB,
 * the mix of kinds, the rare word only where announced), the UIDs of the whole-message fetch,
 * folding repeats, the tables and the target lines; and the options that choose the benchmark.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { flagBits } from '../../bench/lib/imap-fill.ts';
import {
  DEFAULT_SEED,
  MailboxGenerator,
  prng,
  RARE_WORD,
  rareMessages,
  vocabulary,
} from '../../bench/lib/imap-messages.ts';
import {
  formatImapTable,
  formatImapTargets,
  formatMemoryTable,
  type ImapMemoryRow,
  type ImapRow,
  imapTargetChecks,
  medianImapRows,
  speedRatio,
} from '../../bench/lib/imap-report.ts';
import { spreadUids } from '../../bench/lib/imap-session.ts';
import { parseBenchmarks, parseServers } from '../../bench/run.ts';

const digest = (count: number, seed: number): string => {
  const hash = createHash('sha256');
  for (const m of new MailboxGenerator(count, seed)) hash.update(m.raw);
  return hash.digest('hex');
};

describe('the generated mailbox', () => {
  it('is the same for the same seed and differs for another', () => {
    assert.equal(digest(300, DEFAULT_SEED), digest(300, DEFAULT_SEED));
    assert.notEqual(digest(300, DEFAULT_SEED), digest(300, DEFAULT_SEED + 1));
    const a = prng(5);
    const b = prng(5);
    for (let i = 0; i < 10; i++) assert.equal(a(), b());
  });

  it('makes 2–5 KB CRLF messages of every kind, with flags and increasing dates', () => {
    const kinds = new Map<string, number>();
    let previous = 0;
    let seen = 0;
    for (const m of new MailboxGenerator(2000)) {
      assert.ok(m.raw.length >= 1500 && m.raw.length <= 6000, `message ${m.index}: ${m.raw.length} octets`);
      assert.doesNotMatch(m.raw.toString('latin1'), /(^|[^\r])\n/, 'CRLF only');
      assert.ok(m.raw.includes(`Message-ID: <m${m.index}.${DEFAULT_SEED}@bench.test>`));
      assert.ok(m.date > previous);
      previous = m.date;
      kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
      if (m.seen) seen += 1;
      if (m.kind !== 'plain') assert.match(m.raw.toString(), /Content-Type: multipart\/(alternative|mixed)/);
      if (m.kind === 'attachment') assert.match(m.raw.toString(), /Content-Transfer-Encoding: base64/);
    }
    assert.ok(kinds.get('plain')! > 1000);
    assert.ok(kinds.get('alternative')! > 400);
    assert.ok(kinds.get('attachment')! > 50);
    assert.ok(seen > 1500 && seen < 1900);
  });

  it('puts the rare word in exactly the announced messages, and no vocabulary word contains it', () => {
    for (const count of [1, 5, 100, 3000]) {
      const rare = rareMessages(count);
      assert.equal(rare.length, Math.min(7, count));
      assert.deepEqual(
        rare,
        [...new Set(rare)].sort((a, b) => a - b),
      );
      const found: number[] = [];
      for (const m of new MailboxGenerator(count)) if (m.raw.includes(RARE_WORD)) found.push(m.index);
      assert.deepEqual(found, rare, `${count} messages`);
    }
    assert.equal(
      vocabulary(DEFAULT_SEED).some((w) => w.includes(RARE_WORD) || RARE_WORD.includes(w)),
      false,
    );
  });

  it("maps a message's flags to Loft's flag bits", () => {
    assert.equal(flagBits({ seen: true, flagged: false, answered: false }), 1);
    assert.equal(flagBits({ seen: true, flagged: true, answered: true }), 1 | 2 | 4);
    assert.equal(flagBits({ seen: false, flagged: false, answered: false }), 0);
  });

  it('spreads the whole-message fetch over the mailbox', () => {
    const uids = spreadUids(100_000, 1000);
    assert.equal(uids.length, 1000);
    assert.equal(uids[0], 1);
    assert.equal(uids.at(-1), 99_901);
    assert.equal(new Set(uids).size, 1000);
    assert.deepEqual(spreadUids(3, 1000), [1, 2, 3]);
  });
});

function row(partial: Partial<ImapRow>): ImapRow {
  return {
    server: 'loft',
    phase: 'later',
    operation: 'select',
    ms: 10,
    responses: 7,
    octets: 300,
    cpuMs: 10,
    verified: true,
    runs: [],
    ...partial,
  };
}

function memoryRow(partial: Partial<ImapMemoryRow>): ImapMemoryRow {
  return {
    server: 'loft',
    connections: 10_000,
    idling: 10_000,
    openSeconds: 30,
    processesBefore: 1,
    processesAfter: 1,
    rssBeforeKb: 100_000,
    rssAfterKb: 400_000,
    rssAfterBeforeGcKb: 500_000,
    pssBeforeKb: 90_000,
    pssAfterKb: 390_000,
    perConnectionKb: 30,
    basis: 'rss',
    verified: true,
    ...partial,
  };
}

describe('IMAP rows and report', () => {
  it('folds repeats per (server, phase, operation) into the median time', () => {
    const folded = medianImapRows([
      row({ ms: 30 }),
      row({ ms: 10, verified: false, error: 'x' }),
      row({ ms: 20 }),
      row({ operation: 'fetch-flags', ms: 5 }),
      row({ server: 'dovecot', ms: 40 }),
    ]);
    assert.equal(folded.length, 3);
    const loft = folded.find((r) => r.server === 'loft' && r.operation === 'select')!;
    assert.equal(loft.ms, 20);
    assert.deepEqual(loft.runs, [30, 10, 20]);
    assert.equal(loft.verified, false);
    assert.equal(loft.error, 'x');
  });

  it('gives the ratio of Dovecot time over Loft time, only when both were verified', () => {
    const rows = [row({ ms: 10 }), row({ server: 'dovecot', ms: 25 })];
    assert.equal(speedRatio(rows, 'later', 'select'), 2.5);
    assert.equal(speedRatio(rows, 'first', 'select'), undefined);
    assert.equal(
      speedRatio([row({ ms: 10 }), row({ server: 'dovecot', verified: false })], 'later', 'select'),
      undefined,
    );
  });

  it('prints the table, Loft first, the ratio on its line', () => {
    const table = formatImapTable([
      row({ server: 'dovecot', ms: 25 }),
      row({ ms: 10, runs: [9, 10, 12] }),
      row({ phase: 'first', ms: 150 }),
    ]);
    const lines = table.split('\n');
    assert.match(lines[0]!, /^server\s+session\s+operation\s+ms\s+ratio/);
    assert.match(lines[2]!, /^loft\s+first\s+SELECT INBOX\s+150\s+/);
    assert.match(
      lines[3]!,
      /^loft\s+later\s+SELECT INBOX\s+10\.0\s+2\.50×\s+7\s+0\.0\s+10\s+ok\s+9\.00 10\.0 12\.0$/,
    );
    assert.match(lines[4]!, /^dovecot\s+later\s+SELECT INBOX\s+25\.0\s+7/);
  });

  it('sums up many runs as their count, extremes and quartiles', () => {
    const runs = [1.9, 0.8, 1.2, 0.9, 1.0, 1.1, 3.5, 1.3, 1.4];
    const [loft] = medianImapRows(runs.map((ms) => row({ ms })));
    assert.equal(loft!.ms, 1.2);
    const line = formatImapTable([loft!]).split('\n')[2]!;
    assert.match(line, /ok\s+9 runs: min 0\.80, quartiles 1\.00 1\.40, max 3\.50$/);
  });

  it('prints the memory table with the basis of each figure', () => {
    const table = formatMemoryTable([
      memoryRow({}),
      memoryRow({
        server: 'dovecot',
        basis: 'pss',
        perConnectionKb: 512.25,
        processesAfter: 10_006,
        verified: false,
      }),
    ]);
    assert.match(
      table,
      /loft\s+10000\/10000\s+30\.0\s+1→1\s+97\.7\s+390\.6\s+488\.3\s+87\.9\s+380\.9\s+30\.0 \(RSS\)\s+ok/,
    );
    assert.match(table, /dovecot .* 1→10006 .* 512\.3 \(PSS\)\s+FAILED/);
  });

  it('checks the targets: each operation ≥ 1×, the search ≥ 5×, ≤ 50 KB per idle connection', () => {
    const rows: ImapRow[] = [];
    const times: Record<string, [number, number]> = {
      select: [5, 10],
      'fetch-flags': [30, 20],
      'fetch-envelope': [100, 100],
      'search-text': [100, 400],
      'fetch-bodies': [50, 60],
    };
    for (const [operation, [loft, dovecot]] of Object.entries(times)) {
      rows.push(row({ operation: operation as ImapRow['operation'], ms: loft }));
      rows.push(row({ server: 'dovecot', operation: operation as ImapRow['operation'], ms: dovecot }));
    }
    const checks = imapTargetChecks(rows, [
      memoryRow({ perConnectionKb: 60 }),
      memoryRow({ server: 'dovecot', basis: 'pss', perConnectionKb: 500 }),
    ]);
    assert.deepEqual(
      checks.map((c) => c.met),
      [true, false, true, false, true, false],
    );
    const lines = formatImapTargets(checks);
    assert.equal(lines[0], 'SELECT INBOX: 2.00× (target ≥ 1×): MET; Loft 5.00 ms, Dovecot 10.0 ms');
    assert.match(lines[3]!, /^UID SEARCH TEXT \w+: 4\.00× \(target ≥ 5×\): NOT MET/);
    assert.equal(
      lines[5],
      'memory per idle connection (KB): 60.0 KB (target ≤ 50 KB): NOT MET; Loft 60.0 KB (RSS) over 10000, Dovecot 500.0 KB (PSS) over 10000',
    );
    const exited = imapTargetChecks(rows, [
      memoryRow({
        idling: 5000,
        perConnectionKb: 900,
        verified: false,
        serverExited: 'exited with 5000 connections idling: heap out of memory',
      }),
    ]).at(-1)!;
    assert.equal(exited.met, false);
    assert.match(
      formatImapTargets([exited])[0]!,
      /^memory per idle connection \(KB\): 900\.0 KB \(target ≤ 50 KB\): NOT MET; Loft 900\.0 KB \(RSS\) over 5000 \(the server exited with 5000 connections idling: heap out of memory\)/,
    );
    const unmeasured = formatImapTargets(imapTargetChecks([], []));
    assert.ok(unmeasured.every((l) => l.includes('not measured')));
  });

  it('shows Loft on PostgreSQL between Loft and Dovecot, with its own ratio', () => {
    const rows = [row({ server: 'dovecot', ms: 25 }), row({ server: 'loft-pg', ms: 50 }), row({ ms: 10 })];
    assert.equal(speedRatio(rows, 'later', 'select', 'loft-pg'), 0.5);
    const lines = formatImapTable(rows).split('\n');
    assert.match(lines[2]!, /^loft\s+later\s+SELECT INBOX\s+10\.0\s+2\.50×/);
    assert.match(lines[3]!, /^loft-pg\s+later\s+SELECT INBOX\s+50\.0\s+0\.50×/);
    assert.match(lines[4]!, /^dovecot\s+later\s+SELECT INBOX\s+25\.0\s+7/);
  });

  it("checks Loft on PostgreSQL's targets in lines of its own, its memory only when measured", () => {
    const rows = [row({ ms: 5 }), row({ server: 'loft-pg', ms: 20 }), row({ server: 'dovecot', ms: 10 })];
    const lines = formatImapTargets(imapTargetChecks(rows, [memoryRow({})]));
    assert.equal(lines.length, 11);
    assert.equal(lines[0], 'SELECT INBOX: 2.00× (target ≥ 1×): MET; Loft 5.00 ms, Dovecot 10.0 ms');
    assert.match(lines[5]!, /^memory per idle connection \(KB\): 30\.0 KB/);
    assert.equal(
      lines[6],
      'on PostgreSQL, SELECT INBOX: 0.50× (target ≥ 1×): NOT MET; Loft on PostgreSQL 20.0 ms, Dovecot 10.0 ms',
    );
    const withMemory = formatImapTargets(
      imapTargetChecks(rows, [memoryRow({}), memoryRow({ server: 'loft-pg', perConnectionKb: 20 })]),
    );
    assert.equal(withMemory.length, 12);
    assert.match(
      withMemory[11]!,
      /^on PostgreSQL, memory per idle connection \(KB\): 20\.0 KB \(target ≤ 50 KB\): MET; Loft on PostgreSQL 20\.0 KB/,
    );
  });

  it('knows the imap benchmark and its servers', () => {
    assert.deepEqual(parseBenchmarks([]), ['smtp-accept', 'pop3', 'imap', 'smtp-scale', 'smtp-outbound']);
    assert.deepEqual(parseBenchmarks(['imap', 'pop3']), ['pop3', 'imap']);
    assert.deepEqual(parseServers('loft,dovecot', ['loft', 'dovecot']), ['loft', 'dovecot']);
  });
});
