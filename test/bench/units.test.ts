/**
 * Unit tests of the benchmark's pure parts: /proc parsing, smtp-source arguments and output,
 * the generated message, row folding, the target check and the table.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { lastCount, smtpSourceArgs } from '../../bench/lib/load.ts';
import { buildMessage } from '../../bench/lib/node-source.ts';
import { splitStorageUrl, storageUrl } from '../../bench/lib/postgres.ts';
import {
  busyShare,
  machineTicks,
  type ProcStat,
  parseStat,
  processTree,
  statusKb,
  treeCpuSeconds,
  treeMemory,
} from '../../bench/lib/procfs.ts';
import { formatSize, formatTable, formatTargets, targetChecks } from '../../bench/lib/report.ts';
import { medianRows, messageCount, type SmtpAcceptRow } from '../../bench/lib/rows.ts';
import { parseCounts, parseSizes } from '../../bench/run.ts';

describe('procfs', () => {
  it('parses a stat line whose command name holds spaces and parentheses', () => {
    const line = '4242 (smtpd (x) y) S 17 4242 4242 0 -1 4194560 300 0 0 0 25 7 3 2 20 0 1 0 100 1000 200';
    const stat = parseStat(line);
    assert.deepEqual(stat, {
      pid: 4242,
      comm: 'smtpd (x) y',
      state: 'S',
      ppid: 17,
      utime: 25,
      stime: 7,
      cutime: 3,
      cstime: 2,
    });
  });

  it('reads how busy the machine was from /proc/stat (idle and iowait are not busy)', () => {
    const before = machineTicks('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3\n');
    const after = machineTicks('cpu  250 0 100 900 50 0 0 0 0 0\n');
    assert.deepEqual(before, { busy: 150, total: 1000 });
    assert.equal(busyShare(before, after), 200 / 300);
    assert.deepEqual(machineTicks('garbage'), { busy: 0, total: 0 });
    const now = machineTicks();
    assert.ok(now.total > 0 && now.busy <= now.total);
  });

  it('refuses malformed stat lines', () => {
    assert.equal(parseStat('garbage'), undefined);
    assert.equal(parseStat('12 (x) S 1 2'), undefined);
  });

  it('reads kB fields of /proc status text', () => {
    const text = 'Name:\tnode\nVmHWM:\t  123456 kB\nVmRSS:\t   99999 kB\n';
    assert.equal(statusKb(text, 'VmHWM'), 123456);
    assert.equal(statusKb(text, 'VmRSS'), 99999);
    assert.equal(statusKb(text, 'Pss'), undefined);
  });

  it('collects a process and its descendants, not its siblings', () => {
    const p = (pid: number, ppid: number): ProcStat => ({
      pid,
      ppid,
      comm: 'x',
      state: 'S',
      utime: 0,
      stime: 0,
      cutime: 0,
      cstime: 0,
    });
    const stats = new Map([1, 10, 11, 12, 20].map((pid) => [pid, p(pid, 0)]));
    stats.set(10, p(10, 1));
    stats.set(11, p(11, 10));
    stats.set(12, p(12, 11));
    stats.set(20, p(20, 1));
    assert.deepEqual(
      processTree(10, stats)
        .map((s) => s.pid)
        .sort((a, b) => a - b),
      [10, 11, 12],
    );
    assert.deepEqual(processTree(99, stats), []);
  });

  it('measures this process: CPU time grows with work, memory is non-zero', () => {
    const before = treeCpuSeconds(process.pid);
    const until = Date.now() + 150;
    let x = 0;
    while (Date.now() < until) x += Math.sqrt(x + 1);
    assert.ok(x > 0);
    assert.ok(treeCpuSeconds(process.pid) > before);
    const memory = treeMemory(process.pid, true);
    assert.ok(memory.processes >= 1);
    assert.ok(memory.rssKb > 1000);
    assert.ok((memory.pssKb ?? 0) > 0);
    // Anonymous memory is part of the resident set: the heap, without mapped files.
    assert.ok(memory.anonKb > 1000 && memory.anonKb <= memory.rssKb, `${memory.anonKb} of ${memory.rssKb}`);
  });
});

describe('smtp-source', () => {
  it('reads the last value of its \\r counter', () => {
    assert.equal(lastCount('1\r2\r3\r\n'), 3);
    assert.equal(lastCount('smtp-source: fatal\n'), 0);
  });

  it('asks for one message per connection unless reuse is wanted', () => {
    const spec = {
      port: 2525,
      sessions: 50,
      messages: 1000,
      payloadBytes: 5120,
      from: 'a@b.test',
      to: 'c@d.test',
      helo: 'b.test',
      reuseConnections: false,
      timeoutMs: 1000,
    };
    const args = smtpSourceArgs(spec);
    assert.ok(!args.includes('-d'));
    assert.deepEqual(args.slice(args.indexOf('-s'), args.indexOf('-s') + 6), [
      '-s',
      '50',
      '-m',
      '1000',
      '-l',
      '5120',
    ]);
    assert.equal(args.at(-1), '127.0.0.1:2525');
    assert.ok(smtpSourceArgs({ ...spec, reuseConnections: true }).includes('-d'));
  });
});

describe('buildMessage', () => {
  it('has a body of the asked size (+2 at most), short lines, no leading dot', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20_000 }), (payloadBytes) => {
        const text = buildMessage({ from: 'a@b.test', to: 'c@d.test', payloadBytes }).toString('latin1');
        const body = text.slice(text.indexOf('\r\n\r\n') + 4);
        assert.ok(body.length >= payloadBytes && body.length <= payloadBytes + 2, `${body.length}`);
        for (const line of body.split('\r\n')) {
          assert.ok(line.length <= 78);
          assert.ok(!line.startsWith('.'));
        }
        assert.ok(!/[^\r]\n/.test(text));
      }),
    );
  });
});

function row(partial: Partial<SmtpAcceptRow>): SmtpAcceptRow {
  return {
    server: 'loft',
    measure: 'stored',
    payloadBytes: 5120,
    concurrency: 50,
    connection: 'new',
    generator: 'smtp-source',
    attempted: 100,
    messages: 100,
    seconds: 1,
    perSecond: 100,
    cpuMsPerMessage: 1,
    peakRssMb: 100,
    peakPssMb: 90,
    peakProcesses: 1,
    verified: true,
    runs: [],
    ...partial,
  };
}

describe('rows and report', () => {
  it('scales message counts, never below the concurrency', () => {
    assert.equal(messageCount(50, 1, false), 2000);
    assert.equal(messageCount(1, 1, true), 20);
    assert.equal(messageCount(50, 0.001, false), 50);
  });

  it('folds repeats into the median run, verified only if every run was', () => {
    const folded = medianRows([
      row({ perSecond: 300 }),
      row({ perSecond: 100, verified: false, error: 'x' }),
      row({ perSecond: 200 }),
      row({ server: 'postfix', measure: 'delivered', perSecond: 50 }),
    ]);
    assert.equal(folded.length, 2);
    const loft = folded.find((r) => r.server === 'loft')!;
    assert.equal(loft.perSecond, 200);
    assert.deepEqual(loft.runs, [300, 100, 200]);
    assert.equal(loft.verified, false);
    assert.equal(loft.error, 'x');
  });

  it('checks the target against Postfix in Maildir at c=50, per size', () => {
    const rows = [
      row({ perSecond: 250 }),
      row({ server: 'postfix', measure: 'queued', perSecond: 150 }),
      row({ server: 'postfix', measure: 'delivered', perSecond: 100 }),
      row({ payloadBytes: 102400, perSecond: 90 }),
      row({ server: 'postfix', measure: 'queued', payloadBytes: 102400, perSecond: 60 }),
      row({ server: 'postfix', measure: 'delivered', payloadBytes: 102400, perSecond: 60 }),
      row({ concurrency: 10, perSecond: 1 }),
    ];
    const checks = targetChecks(rows);
    assert.equal(checks.length, 2);
    assert.equal(checks[0]?.ratio, 2.5);
    assert.equal(checks[0]?.met, true);
    assert.equal(checks[1]?.ratio, 1.5);
    assert.equal(checks[1]?.met, false);
    const lines = formatTargets(checks);
    assert.match(lines[0] ?? '', /^Loft\/Postfix at c=50, new connection per message: 2\.50 \(target ≥ 2\)/);
    assert.match(lines.join('\n'), /NOT MET/);
  });

  it('checks Loft on PostgreSQL against Postfix too, after Loft on SQLite', () => {
    const rows = [
      row({ server: 'loft-pg', perSecond: 120 }),
      row({ perSecond: 250 }),
      row({ server: 'postfix', measure: 'queued', perSecond: 150 }),
      row({ server: 'postfix', measure: 'delivered', perSecond: 100 }),
    ];
    const checks = targetChecks(rows);
    assert.deepEqual(
      checks.map((c) => [c.server, c.ratio, c.met]),
      [
        ['loft', 2.5, true],
        ['loft-pg', 1.2, false],
      ],
    );
    const lines = formatTargets(checks);
    assert.match(lines[0] ?? '', /^Loft\/Postfix at c=50, .*\[5 KB: Loft 250\.0 msg\/s stored, .*\] MET$/);
    assert.match(
      lines[2] ?? '',
      /^Loft on PostgreSQL\/Postfix at c=50, new connection per message: 1\.20 \(target ≥ 2\) \[5 KB: Loft on PostgreSQL 120\.0 msg\/s stored, Postfix 100\.0 msg\/s in Maildir\] NOT MET$/,
    );
    assert.match(lines[3] ?? '', /queued, 150\.0 msg\/s\): 0\.80$/);
    assert.match(formatTable(rows).split('\n')[2] ?? '', /^loft-pg\s+stored at 250\s+5 KB\s+50\s+100/);
  });

  it('makes no target check from unverified rows', () => {
    const rows = [
      row({ perSecond: 250, verified: false }),
      row({ server: 'postfix', measure: 'queued', perSecond: 150 }),
      row({ server: 'postfix', measure: 'delivered', perSecond: 100 }),
    ];
    assert.deepEqual(targetChecks(rows), []);
    assert.match(formatTargets([])[0] ?? '', /n\/a/);
  });

  it('prints one aligned line per row and flags unverified ones', () => {
    const table = formatTable([row({}), row({ server: 'postfix', measure: 'delivered', verified: false })]);
    const lines = table.split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[0] ?? '', /msg\/s/);
    assert.match(lines[3] ?? '', /postfix\s+in Maildir\s+5 KB\s+50\s+100\s+1\.00\s+100\.0.*FAILED$/);
    assert.equal(formatSize(102400), '100 KB');
    assert.equal(formatSize(1000), '1000 B');
  });
});

describe('the PostgreSQL storage URL of loft-pg', () => {
  it('names the schema and the application (to find its backends); the bench connects without either', () => {
    const storage = storageUrl('postgres://root@127.0.0.1:5432/test', 'loft_bench_ab12');
    const url = new URL(storage);
    assert.equal(url.searchParams.get('schema'), 'loft_bench_ab12');
    assert.equal(url.searchParams.get('application_name'), 'loft_bench_ab12');
    assert.deepEqual(splitStorageUrl(storage), {
      database: 'postgres://root@127.0.0.1:5432/test',
      schema: 'loft_bench_ab12',
    });
  });

  it('keeps the options already in the database URL', () => {
    const storage = storageUrl('postgres://u:p@db.test:6432/mail?sslmode=disable', 'loft_bench_x');
    assert.equal(new URL(storage).searchParams.get('sslmode'), 'disable');
    assert.equal(splitStorageUrl(storage).database, 'postgres://u:p@db.test:6432/mail?sslmode=disable');
    assert.throws(() => splitStorageUrl('postgres://h/db?schema=x;drop'), /bad schema name/);
  });
});

describe('run.ts options', () => {
  it('parses sizes and counts', () => {
    assert.deepEqual(parseSizes('5k,100K,512,1m'), [5120, 102400, 512, 1048576]);
    assert.throws(() => parseSizes('5x'), /--sizes/);
    assert.deepEqual(parseCounts('1,10,50', '--concurrency'), [1, 10, 50]);
    assert.throws(() => parseCounts('0', '--concurrency'), /--concurrency/);
  });
});
