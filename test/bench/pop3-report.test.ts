/**
 * Unit tests of the POP3 benchmark's report: folding repeats, the table, the target check; the
 * Maildir virtual size; and the options of bench/run.ts that choose benchmarks and servers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { virtualSize } from '../../bench/lib/dovecot-server.ts';
import {
  formatPop3Table,
  formatPop3Targets,
  medianPop3Rows,
  type Pop3Row,
  pop3TargetChecks,
} from '../../bench/lib/pop3-report.ts';
import { POP3_SERVER_NAMES } from '../../bench/pop3-retr.ts';
import { parseBenchmarks, parseCount, parseServers } from '../../bench/run.ts';

function row(partial: Partial<Pop3Row>): Pop3Row {
  return {
    server: 'loft',
    phase: 'later',
    depth: 32,
    maildrop: 10_000,
    messages: 10_000,
    octets: 52_000_000,
    loginMs: 40,
    statMs: 1,
    uidlMs: 10,
    listMs: 8,
    quitMs: 1,
    retrSeconds: 2,
    sessionSeconds: 2.1,
    perSecond: 5000,
    mbPerSecond: 24.8,
    cpuMs: 1900,
    peakRssMb: 120,
    peakPssMb: 110,
    peakProcesses: 1,
    verified: true,
    contentDigest: 'abc',
    runs: [],
    ...partial,
  };
}

describe('POP3 rows and report', () => {
  it('folds repeats per (server, phase, depth) into the median run', () => {
    const folded = medianPop3Rows([
      row({ perSecond: 300 }),
      row({ perSecond: 100, verified: false, error: 'x' }),
      row({ perSecond: 200 }),
      row({ depth: 1, perSecond: 50 }),
      row({ server: 'dovecot', perSecond: 400 }),
    ]);
    assert.equal(folded.length, 3);
    const loft = folded.find((r) => r.server === 'loft' && r.depth === 32)!;
    assert.equal(loft.perSecond, 200);
    assert.deepEqual(loft.runs, [300, 100, 200]);
    assert.equal(loft.verified, false);
    assert.equal(loft.error, 'x');
  });

  it('checks Loft against Dovecot per session kind, the later pipelined one first', () => {
    const rows = [
      row({ phase: 'first', perSecond: 1000, sessionSeconds: 10 }),
      row({ server: 'dovecot', phase: 'first', perSecond: 2000, sessionSeconds: 5 }),
      row({ depth: 1, perSecond: 3000 }),
      row({ server: 'dovecot', depth: 1, perSecond: 2000 }),
      row({ perSecond: 6000, sessionSeconds: 2 }),
      row({ server: 'dovecot', perSecond: 5000, sessionSeconds: 3 }),
    ];
    const checks = pop3TargetChecks(rows);
    assert.deepEqual(
      checks.map((c) => [c.phase, c.depth, c.ratio, c.met]),
      [
        ['later', 32, 1.2, true],
        ['later', 1, 1.5, true],
        ['first', 32, 0.5, false],
      ],
    );
    assert.equal(checks[0]?.sessionRatio, 1.5);
    const lines = formatPop3Targets(checks);
    assert.match(lines[0] ?? '', /^Loft\/Dovecot POP3 \(RETR all 10,000\): 1\.20 \(target ≥ 1\) .*MET$/);
    assert.match(lines[2] ?? '', /the first session, 32 RETRs pipelined: 0\.50/);
  });

  it('checks Loft on PostgreSQL against Dovecot too, in lines of its own after SQLite', () => {
    const rows = [
      row({ server: 'loft-pg', perSecond: 2500, sessionSeconds: 4.2 }),
      row({ server: 'loft-pg', phase: 'first', perSecond: 1000 }),
      row({ perSecond: 6000 }),
      row({ server: 'dovecot', perSecond: 5000, sessionSeconds: 2.1 }),
      row({ server: 'dovecot', phase: 'first', perSecond: 2000 }),
    ];
    const checks = pop3TargetChecks(rows);
    assert.deepEqual(
      checks.map((c) => [c.server, c.phase, c.ratio, c.met]),
      [
        ['loft', 'later', 1.2, true],
        ['loft-pg', 'later', 0.5, false],
        ['loft-pg', 'first', 0.5, false],
      ],
    );
    const lines = formatPop3Targets(checks);
    assert.equal(lines.length, 3);
    assert.match(lines[0] ?? '', /^Loft\/Dovecot POP3 \(RETR all 10,000\): 1\.20 .*MET$/);
    assert.match(
      lines[1] ?? '',
      /^Loft on PostgreSQL\/Dovecot POP3 \(RETR all 10,000\): 0\.50 \(target ≥ 1\) \[a later session, 32 RETRs pipelined: Loft on PostgreSQL 2500 msg\/s, Dovecot 5000 msg\/s; whole session 0\.50×\] NOT MET$/,
    );
    assert.match(
      lines[2] ?? '',
      /^ {4}the first session, 32 RETRs pipelined: 0\.50 \[Loft on PostgreSQL 1000 msg\/s/,
    );
  });

  it('makes no check from unverified rows or a lone server', () => {
    assert.deepEqual(pop3TargetChecks([row({}), row({ server: 'dovecot', verified: false })]), []);
    assert.deepEqual(pop3TargetChecks([row({})]), []);
    assert.match(formatPop3Targets([])[0] ?? '', /n\/a/);
  });

  it('prints one aligned line per row, runs when repeated, and flags failures', () => {
    const table = formatPop3Table([
      row({ runs: [5000, 4000, 6000] }),
      row({ server: 'dovecot', phase: 'first', verified: false, peakPssMb: undefined }),
    ]);
    const lines = table.split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[0] ?? '', /^server\s+session\s+depth\s+messages\s+login ms.*check\s+runs msg\/s$/);
    assert.match(
      lines[2] ?? '',
      /^loft\s+later\s+32\s+10000\s+40\.0\s+1\.0\s+10\.0\s+8\.0\s+2\.00\s+5000\s+24\.8.*ok\s+5000 4000 6000$/,
    );
    assert.match(lines[3] ?? '', /^dovecot\s+first\s.*\s-\s+FAILED\s+-$/);
  });
});

describe('virtualSize', () => {
  it('counts each bare LF as CRLF, as Dovecot does for W=', () => {
    assert.equal(virtualSize(Buffer.from('a\r\nb\r\n')), 6);
    assert.equal(virtualSize(Buffer.from('a\nb\n')), 6);
    assert.equal(virtualSize(Buffer.from('\na\r\n')), 5);
    assert.equal(virtualSize(Buffer.from('')), 0);
  });
});

describe('run.ts benchmark and server options', () => {
  it('runs every benchmark by default, SMTP first then POP3, IMAP, scale-out and outbound, and knows pop3-retr as pop3', () => {
    assert.deepEqual(parseBenchmarks([]), ['smtp-accept', 'pop3', 'imap', 'smtp-scale', 'smtp-outbound']);
    assert.deepEqual(parseBenchmarks(['pop3']), ['pop3']);
    assert.deepEqual(parseBenchmarks(['pop3-retr', 'smtp-accept']), ['smtp-accept', 'pop3']);
    assert.throws(() => parseBenchmarks(['lmtp']), /unknown benchmark: lmtp/);
  });

  it('parses server lists and counts', () => {
    assert.deepEqual(parseServers('loft, dovecot', ['loft', 'postfix', 'dovecot']), ['loft', 'dovecot']);
    assert.deepEqual(parseServers('loft-pg,loft', [...POP3_SERVER_NAMES]), ['loft-pg', 'loft']);
    assert.throws(() => parseServers('exim', ['loft']), /unknown server exim/);
    assert.equal(parseCount('32', '--depth', 1000), 32);
    assert.throws(() => parseCount('0', '--depth', 1000), /--depth/);
    assert.throws(() => parseCount('1.5', '--messages', 10), /--messages/);
  });
});
