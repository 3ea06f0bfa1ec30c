/**
 * The rows of the SMTP benchmark: what one measurement holds, how many messages a row sends,
 * and how repeated runs fold into one row.
 */
import type { GeneratorName } from './load.ts';

/** What a row's count and time stand for. */
export type Measure = 'stored' | 'indexed' | 'queued' | 'delivered';

/** One measurement: one server, one size, one concurrency. */
export interface SmtpAcceptRow {
  /** `loft` on SQLite, `loft-pg` on PostgreSQL, or `postfix`. */
  server: 'loft' | 'loft-pg' | 'postfix';
  /**
   * Loft: `stored` (its 250 follows the durable commit) or `indexed` (and the search index has
   * caught up). Postfix: `queued` (its 250) or `delivered` (in Maildir).
   */
  measure: Measure;
  payloadBytes: number;
  concurrency: number;
  connection: 'new' | 'reused';
  generator: GeneratorName;
  attempted: number;
  /** Messages counted: acknowledged with 250 (and, for stored/delivered, found in the store). */
  messages: number;
  seconds: number;
  perSecond: number;
  /** CPU time (user + system) of the server's processes per counted message, in ms. */
  cpuMsPerMessage: number;
  /** Peak of the summed VmRSS of the server's processes during the row, sampled every 250 ms. */
  peakRssMb: number;
  /** Peak of the summed Pss (shared pages divided among processes) during the row. */
  peakPssMb: number | undefined;
  peakProcesses: number;
  /** Whether every counted message was verified durable (stored rows in the db, Maildir files), in every run. */
  verified: boolean;
  /** msg/s of each run when the row was repeated (`repeat` > 1); the row itself is the median run. */
  runs: number[];
  error?: string;
}

/** Messages for one row: enough to last several seconds at the rates seen on a small machine. */
export function messageCount(concurrency: number, scale: number, quick: boolean): number {
  const base = quick
    ? concurrency <= 1
      ? 20
      : concurrency <= 10
        ? 50
        : 100
    : concurrency <= 1
      ? 400
      : concurrency <= 10
        ? 1000
        : 2000;
  return Math.max(concurrency, Math.round(base * scale));
}

/** Warm-up messages sent before each row's measurement (JIT, process pools, caches). */
export function warmupCount(concurrency: number, quick: boolean): number {
  return quick ? 5 : Math.max(20, 2 * concurrency);
}

/**
 * Folds repeated runs into one row per (server, measure): the run with the median rate (the
 * lower middle one for an even count), every run's rate in `runs`, verified only if all were.
 */
export function medianRows(rows: SmtpAcceptRow[]): SmtpAcceptRow[] {
  const groups = new Map<string, SmtpAcceptRow[]>();
  for (const row of rows) {
    const key = `${row.server}/${row.measure}/${row.payloadBytes}/${row.concurrency}/${row.connection}`;
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
