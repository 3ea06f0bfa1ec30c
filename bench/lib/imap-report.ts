/**
 * The rows of the IMAP benchmark, how repeated runs fold into one row, the printed tables and
 * the target check: each operation at least as fast as Dovecot's, `UID SEARCH TEXT` at least 5
 * times faster, and at most 50 KB of memory per idle connection.
 */
import type { ImapOperation } from './imap-session.ts';
import { OPERATION_LABELS } from './imap-session.ts';
import { isLoft, LOFT_SERVERS, type LoftServerName, SERVER_TITLES } from './loft-names.ts';
import { alignColumns } from './report.ts';

/** `loft` on SQLite, `loft-pg` on PostgreSQL, or `dovecot`. */
export type ImapServer = 'loft' | 'loft-pg' | 'dovecot';

const SERVER_ORDER: readonly ImapServer[] = [...LOFT_SERVERS, 'dovecot'];

/**
 * `first`: the first session after the servers started (each server's cold SELECT; Dovecot
 * builds its index and its cache of envelopes and structures then). `later`: the steady state.
 */
export type ImapPhase = 'first' | 'later';

/** One operation of one session. */
export interface ImapRow {
  server: ImapServer;
  phase: ImapPhase;
  operation: ImapOperation;
  /** Command written to tagged OK read (LOGIN: TCP connect to its OK). */
  ms: number;
  /** Untagged responses read. */
  responses: number;
  octets: number;
  /** User + system CPU time of the server's processes during the command, in ms (10 ms ticks). */
  cpuMs: number;
  verified: boolean;
  /** ms of each run when repeated; the row is the median run. */
  runs: number[];
  error?: string;
}

/** Memory of one server with many connections idling. */
export interface ImapMemoryRow {
  server: ImapServer;
  /** Connections asked for, and those that reached IDLE. */
  connections: number;
  idling: number;
  /** Seconds to open them all. */
  openSeconds: number;
  processesBefore: number;
  processesAfter: number;
  rssBeforeKb: number;
  rssAfterKb: number;
  /** Loft: RSS with the connections open, before the garbage collection that `rssAfterKb` follows. */
  rssAfterBeforeGcKb?: number;
  pssBeforeKb: number | undefined;
  pssAfterKb: number | undefined;
  /** (after − before) / idling, from PSS where known (Dovecot's many processes), else RSS. */
  perConnectionKb: number;
  /** Which reading `perConnectionKb` comes from. */
  basis: 'pss' | 'rss' | 'anon';
  /** Why fewer connections than asked were opened (memory or time guard), if so. */
  stoppedBecause?: string;
  /** The server's process ended while the connections were opened (how, and why if known). */
  serverExited?: string;
  verified: boolean;
  error?: string;
}

/** The targets of the issue. */
export const IMAP_TARGETS = {
  /** Loft's speed over Dovecot's for every operation (Dovecot ms / Loft ms). */
  speedRatio: 1,
  /** The same for `UID SEARCH TEXT`. */
  searchRatio: 5,
  /** KB of memory per idle connection. */
  idleKb: 50,
} as const;

/** Folds repeated runs into one row per (server, phase, operation): the median time; verified only if all were. */
export function medianImapRows(rows: readonly ImapRow[]): ImapRow[] {
  const groups = new Map<string, ImapRow[]>();
  for (const row of rows) {
    const key = `${row.server}/${row.phase}/${row.operation}`;
    const group = groups.get(key) ?? [];
    group.push(row);
    groups.set(key, group);
  }
  return [...groups.values()].map((group) => {
    const sorted = [...group].sort((a, b) => a.ms - b.ms);
    const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
    const errors = group.flatMap((r) => (r.error ? [r.error] : []));
    return {
      ...median,
      verified: group.every((r) => r.verified),
      runs: group.map((r) => r.ms),
      ...(errors.length > 0 ? { error: errors.join('; ') } : {}),
    };
  });
}

/**
 * Dovecot's time over Loft's (on `server`'s backend, SQLite by default) for the same phase and
 * operation (above 1: Loft is faster), or undefined.
 */
export function speedRatio(
  rows: readonly ImapRow[],
  phase: ImapPhase,
  operation: ImapOperation,
  server: LoftServerName = 'loft',
): number | undefined {
  const loft = rows.find((r) => r.server === server && r.phase === phase && r.operation === operation);
  const dovecot = rows.find((r) => r.server === 'dovecot' && r.phase === phase && r.operation === operation);
  if (!loft?.verified || !dovecot?.verified || loft.ms <= 0) return undefined;
  return dovecot.ms / loft.ms;
}

/** The runs of a row: each one when a few, else their count and quartiles. */
function formatRuns(runs: readonly number[]): string {
  if (runs.length <= 1) return '';
  if (runs.length <= 5) return runs.map(formatMs).join(' ');
  const sorted = [...runs].sort((a, b) => a - b);
  const at = (q: number): string => formatMs(sorted[Math.floor(q * (sorted.length - 1))]!);
  return `${runs.length} runs: min ${at(0)}, quartiles ${at(0.25)} ${at(0.75)}, max ${at(1)}`;
}

/** Milliseconds with a precision that suits their size. */
export function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

const mb = (octets: number): string => (octets / 2 ** 20).toFixed(1);

/** The operations table: one line per (server, phase, operation), each Loft's lines with the ratio. */
export function formatImapTable(rows: readonly ImapRow[]): string {
  const header = [
    'server',
    'session',
    'operation',
    'ms',
    'ratio',
    'responses',
    'MB',
    'CPU ms',
    'check',
    'runs ms',
  ];
  const sorted = [...rows].sort(
    (a, b) =>
      (a.phase === b.phase ? 0 : a.phase === 'first' ? -1 : 1) ||
      OPERATION_ORDER.indexOf(a.operation) - OPERATION_ORDER.indexOf(b.operation) ||
      SERVER_ORDER.indexOf(a.server) - SERVER_ORDER.indexOf(b.server),
  );
  const cells = sorted.map((r) => {
    const ratio = isLoft(r.server) ? speedRatio(rows, r.phase, r.operation, r.server) : undefined;
    return [
      r.server,
      r.phase,
      OPERATION_LABELS[r.operation],
      formatMs(r.ms),
      ratio === undefined ? '' : `${ratio.toFixed(2)}×`,
      String(r.responses),
      mb(r.octets),
      r.cpuMs.toFixed(0),
      r.verified ? 'ok' : 'FAILED',
      formatRuns(r.runs),
    ];
  });
  return alignColumns(header, cells, [false, false, false, true, true, true, true, true, false, false]);
}

const OPERATION_ORDER: ImapOperation[] = [
  'login',
  'select',
  'fetch-flags',
  'fetch-envelope',
  'search-text',
  'fetch-bodies',
];

const mbOfKb = (kb: number | undefined): string => (kb === undefined ? '-' : (kb / 1024).toFixed(1));

/** The memory table: one line per server. */
export function formatMemoryTable(rows: readonly ImapMemoryRow[]): string {
  const header = [
    'server',
    'idling',
    'open s',
    'processes',
    'RSS MB before',
    'RSS MB after',
    'before GC',
    'PSS MB before',
    'PSS MB after',
    'KB/connection',
    'check',
  ];
  const cells = rows.map((r) => [
    r.server,
    `${r.idling}/${r.connections}`,
    r.openSeconds.toFixed(1),
    `${r.processesBefore}→${r.processesAfter}`,
    mbOfKb(r.rssBeforeKb),
    mbOfKb(r.rssAfterKb),
    mbOfKb(r.rssAfterBeforeGcKb),
    mbOfKb(r.pssBeforeKb),
    mbOfKb(r.pssAfterKb),
    `${r.perConnectionKb.toFixed(1)} (${r.basis.toUpperCase()})`,
    r.verified ? 'ok' : 'FAILED',
  ]);
  return alignColumns(header, cells, [false, true, true, true, true, true, true, true, true, true, false]);
}

/** One target line's data. */
export interface ImapTargetCheck {
  what: string;
  /** The measured value (a ratio, or KB per connection), undefined when it could not be measured. */
  value: number | undefined;
  target: number;
  /** `≥` for ratios, `≤` for memory. */
  direction: 'min' | 'max';
  met: boolean | undefined;
  detail: string;
}

/**
 * The target checks over the later (steady-state) rows and the memory rows, for each Loft backend
 * measured (SQLite's first; its lines unprefixed, PostgreSQL's prefixed "on PostgreSQL").
 */
export function imapTargetChecks(
  rows: readonly ImapRow[],
  memory: readonly ImapMemoryRow[],
): ImapTargetCheck[] {
  const measured = LOFT_SERVERS.filter(
    (s) => rows.some((r) => r.server === s) || memory.some((m) => m.server === s),
  );
  const backends: LoftServerName[] = measured.length > 0 ? measured : ['loft'];
  return backends.flatMap((server) => backendChecks(rows, memory, server));
}

function backendChecks(
  rows: readonly ImapRow[],
  memory: readonly ImapMemoryRow[],
  server: LoftServerName,
): ImapTargetCheck[] {
  const prefix = server === 'loft' ? '' : 'on PostgreSQL, ';
  const title = SERVER_TITLES[server];
  const checks: ImapTargetCheck[] = [];
  for (const operation of OPERATION_ORDER) {
    if (operation === 'login') continue; // not a target (Loft checks a memory-hard hash)
    const ratio = speedRatio(rows, 'later', operation, server);
    const target = operation === 'search-text' ? IMAP_TARGETS.searchRatio : IMAP_TARGETS.speedRatio;
    const loft = rows.find((r) => r.server === server && r.phase === 'later' && r.operation === operation);
    const dovecot = rows.find(
      (r) => r.server === 'dovecot' && r.phase === 'later' && r.operation === operation,
    );
    checks.push({
      what: `${prefix}${OPERATION_LABELS[operation]}`,
      value: ratio,
      target,
      direction: 'min',
      met: ratio === undefined ? undefined : ratio >= target,
      detail:
        loft && dovecot
          ? `${title} ${formatMs(loft.ms)} ms, Dovecot ${formatMs(dovecot.ms)} ms`
          : 'not measured on both',
    });
  }
  const loftMemory = memory.find((m) => m.server === server);
  // Loft on PostgreSQL keeps its idle connections by the same code as on SQLite: no line unless measured.
  if (server !== 'loft' && !loftMemory) return checks;
  const dovecotMemory = memory.find((m) => m.server === 'dovecot');
  checks.push({
    what: `${prefix}memory per idle connection (KB)`,
    value: loftMemory?.verified || loftMemory?.serverExited ? loftMemory.perConnectionKb : undefined,
    target: IMAP_TARGETS.idleKb,
    direction: 'max',
    // A server that died of its idle connections did not keep them within any budget.
    met: loftMemory?.serverExited
      ? false
      : loftMemory?.verified
        ? loftMemory.perConnectionKb <= IMAP_TARGETS.idleKb
        : undefined,
    detail: [
      loftMemory ? `${title} ${memoryDetail(loftMemory)}` : `${title} not measured`,
      dovecotMemory ? `Dovecot ${memoryDetail(dovecotMemory)}` : 'Dovecot not measured',
    ].join(', '),
  });
  return checks;
}

function memoryDetail(row: ImapMemoryRow): string {
  const stopped =
    row.serverExited !== undefined
      ? ` (the server ${row.serverExited})`
      : row.stoppedBecause === undefined
        ? ''
        : ` (stopped at ${row.idling} of ${row.connections}: ${row.stoppedBecause})`;
  return `${row.perConnectionKb.toFixed(1)} KB (${row.basis.toUpperCase()}) over ${row.idling}${stopped}`;
}

/** The target lines: `MET` / `NOT MET` / `not measured`. */
export function formatImapTargets(checks: readonly ImapTargetCheck[]): string[] {
  return checks.map((c) => {
    const value =
      c.value === undefined
        ? '-'
        : c.direction === 'min'
          ? `${c.value.toFixed(2)}×`
          : `${c.value.toFixed(1)} KB`;
    const target = c.direction === 'min' ? `≥ ${c.target}×` : `≤ ${c.target} KB`;
    const verdict = c.met === undefined ? 'not measured' : c.met ? 'MET' : 'NOT MET';
    return `${c.what}: ${value} (target ${target}): ${verdict}; ${c.detail}`;
  });
}
