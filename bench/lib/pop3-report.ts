/**
 * The rows of the POP3 benchmark, how repeated runs fold into one row, the printed table and
 * the target check (Loft at least as fast as Dovecot at retrieving the whole maildrop).
 */
import { LOFT_SERVERS, type LoftServerName, SERVER_TITLES } from './loft-names.ts';
import { alignColumns } from './report.ts';

/** The throughput target: Loft's RETR rate at least this many times Dovecot's. */
export const POP3_TARGET_RATIO = 1;

/**
 * `first`: the first session after the maildrop was filled (Dovecot builds its index and moves
 * new/ to cur/; both servers store \Seen for every message). `later`: a later session over the
 * same maildrop (indexes built, nothing left to flag).
 */
export type Pop3Phase = 'first' | 'later';

/** One measured session: one server, one phase, one pipelining depth. */
export interface Pop3Row {
  /** `loft` on SQLite, `loft-pg` on PostgreSQL, or `dovecot`. */
  server: 'loft' | 'loft-pg' | 'dovecot';
  phase: Pop3Phase;
  /** RETR commands outstanding at once (1: each sent after the previous reply). */
  depth: number;
  /** Messages in the maildrop (STAT). */
  maildrop: number;
  /** Messages retrieved with exactly LIST's octets. */
  messages: number;
  /** Octets of content retrieved. */
  octets: number;
  loginMs: number;
  statMs: number;
  uidlMs: number;
  listMs: number;
  quitMs: number;
  /** RETR of every message, first command sent to last terminator read. */
  retrSeconds: number;
  /** The whole session, connect to QUIT's reply. */
  sessionSeconds: number;
  /** messages / retrSeconds. */
  perSecond: number;
  /** octets / retrSeconds, in MB (2^20 octets) per second. */
  mbPerSecond: number;
  /** User + system CPU time of the server's processes over the session, in ms. */
  cpuMs: number;
  /** Peak of the summed VmRSS of the server's processes during the session, sampled every 100 ms. */
  peakRssMb: number;
  /** Peak of the summed Pss (shared pages divided among processes) during the session. */
  peakPssMb: number | undefined;
  peakProcesses: number;
  /** Every check passed (counts, sizes), in every run folded into this row. */
  verified: boolean;
  /** SHA-256 over the sorted SHA-256s of the retrieved messages (the same maildrop gives the same value). */
  contentDigest: string;
  /** msg/s of each run when the row was repeated; the row itself is the median run. */
  runs: number[];
  error?: string;
}

/**
 * Folds repeated runs into one row per (server, phase, depth): the run with the median RETR rate
 * (the lower middle one for an even count), every run's rate in `runs`, verified only if all were.
 */
export function medianPop3Rows(rows: readonly Pop3Row[]): Pop3Row[] {
  const groups = new Map<string, Pop3Row[]>();
  for (const row of rows) {
    const key = `${row.server}/${row.phase}/${row.depth}`;
    const group = groups.get(key) ?? [];
    group.push(row);
    groups.set(key, group);
  }
  return [...groups.values()].map((group) => {
    const sorted = [...group].sort((a, b) => a.perSecond - b.perSecond);
    const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
    const errors = group.flatMap((r) => (r.error ? [r.error] : []));
    return {
      ...median,
      verified: group.every((r) => r.verified),
      runs: group.map((r) => r.perSecond),
      ...(errors.length > 0 ? { error: errors.join('; ') } : {}),
    };
  });
}

/** The table: one line per (server, phase, depth). */
export function formatPop3Table(rows: readonly Pop3Row[]): string {
  const header = [
    'server',
    'session',
    'depth',
    'messages',
    'login ms',
    'STAT ms',
    'UIDL ms',
    'LIST ms',
    'RETR s',
    'msg/s',
    'MB/s',
    'session s',
    'CPU ms',
    'peak RSS MB',
    'peak PSS MB',
    'check',
  ];
  const cells = rows.map((r) => [
    r.server,
    r.phase,
    String(r.depth),
    String(r.messages),
    r.loginMs.toFixed(1),
    r.statMs.toFixed(1),
    r.uidlMs.toFixed(1),
    r.listMs.toFixed(1),
    r.retrSeconds.toFixed(2),
    r.perSecond.toFixed(0),
    r.mbPerSecond.toFixed(1),
    r.sessionSeconds.toFixed(2),
    r.cpuMs.toFixed(0),
    r.peakRssMb.toFixed(1),
    r.peakPssMb === undefined ? '-' : r.peakPssMb.toFixed(1),
    r.verified ? 'ok' : 'FAILED',
  ]);
  const right = header.map((_, i) => i >= 2 && i < header.length - 1);
  if (rows.some((r) => r.runs.length > 1)) {
    header.push('runs msg/s');
    right.push(true);
    rows.forEach((r, i) => {
      cells[i]?.push(r.runs.length > 1 ? r.runs.map((x) => x.toFixed(0)).join(' ') : '-');
    });
  }
  return alignColumns(header, cells, right);
}

/** Loft's RETR rate (on one backend) against Dovecot's for one (phase, depth). */
export interface Pop3TargetCheck {
  server: LoftServerName;
  phase: Pop3Phase;
  depth: number;
  maildrop: number;
  loft: number;
  dovecot: number;
  /** Loft's msg/s / Dovecot's. */
  ratio: number;
  /** Dovecot's whole session time / Loft's (login, listings, RETRs and QUIT): above 1, Loft was faster. */
  sessionRatio: number;
  met: boolean;
}

/**
 * One check per (Loft backend, phase, depth) with verified rows of that Loft and Dovecot: SQLite's
 * first, and for each backend its headline (a later session at the deepest pipelining) first.
 */
export function pop3TargetChecks(rows: readonly Pop3Row[]): Pop3TargetCheck[] {
  const verified = rows.filter((r) => r.verified && r.messages > 0);
  const checks: Pop3TargetCheck[] = [];
  for (const loft of verified) {
    if (loft.server === 'dovecot') continue;
    const dovecot = verified.find(
      (r) => r.server === 'dovecot' && r.phase === loft.phase && r.depth === loft.depth,
    );
    if (!dovecot) continue;
    const ratio = loft.perSecond / dovecot.perSecond;
    checks.push({
      server: loft.server,
      phase: loft.phase,
      depth: loft.depth,
      maildrop: loft.maildrop,
      loft: loft.perSecond,
      dovecot: dovecot.perSecond,
      ratio,
      sessionRatio: dovecot.sessionSeconds / loft.sessionSeconds,
      met: ratio >= POP3_TARGET_RATIO,
    });
  }
  const rank = (c: Pop3TargetCheck): number => (c.phase === 'later' ? 0 : 1);
  return checks.sort(
    (a, b) =>
      LOFT_SERVERS.indexOf(a.server) - LOFT_SERVERS.indexOf(b.server) ||
      rank(a) - rank(b) ||
      b.depth - a.depth,
  );
}

/**
 * The target lines, per Loft backend: the headline check, then the others indented; says so when
 * none could be made.
 */
export function formatPop3Targets(checks: readonly Pop3TargetCheck[]): string[] {
  if (checks.length === 0) {
    return [
      'Loft/Dovecot POP3 (RETR all): n/a (needs verified Loft and Dovecot rows of the same session kind)',
    ];
  }
  const describe = (c: Pop3TargetCheck): string =>
    `${c.phase === 'later' ? 'a later session' : 'the first session'}, ${c.depth === 1 ? 'one RETR at a time' : `${c.depth} RETRs pipelined`}`;
  const figures = (c: Pop3TargetCheck): string =>
    `${SERVER_TITLES[c.server]} ${c.loft.toFixed(0)} msg/s, Dovecot ${c.dovecot.toFixed(0)} msg/s; whole session ${c.sessionRatio.toFixed(2)}×`;
  return LOFT_SERVERS.flatMap((server) => {
    const [headline, ...others] = checks.filter((c) => c.server === server);
    if (!headline) return [];
    return [
      `${SERVER_TITLES[server]}/Dovecot POP3 (RETR all ${headline.maildrop.toLocaleString('en-US')}): ${headline.ratio.toFixed(2)} (target ≥ ${POP3_TARGET_RATIO}) ` +
        `[${describe(headline)}: ${figures(headline)}] ${headline.met ? 'MET' : 'NOT MET'}`,
      ...others.map((c) => `    ${describe(c)}: ${c.ratio.toFixed(2)} [${figures(c)}]`),
    ];
  });
}
