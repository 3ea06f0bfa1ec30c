/**
 * Turning SMTP benchmark rows into the printed table and the target check.
 */
import { LOFT_SERVERS, type LoftServerName, SERVER_TITLES } from './loft-names.ts';
import type { Measure, SmtpAcceptRow } from './rows.ts';

/** The throughput target: Loft at least this many times Postfix at c=50, new connection per message. */
export const TARGET_RATIO = 2;
export const TARGET_CONCURRENCY = 50;

const LABELS: Record<Measure, string> = {
  stored: 'stored at 250',
  indexed: 'search-indexed',
  queued: 'queued at 250',
  delivered: 'in Maildir',
};

/** "5 KB", "100 KB", "512 B". */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes} B`;
}

/** Pads the cells of `rows` into aligned columns; numbers (and the header above them) right-aligned. */
export function alignColumns(header: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (rightAligned[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** The table: one line per (server, size, concurrency) and, for Postfix, per measure. */
export function formatTable(rows: SmtpAcceptRow[]): string {
  const header = [
    'server',
    'counted',
    'size',
    'conc',
    'messages',
    'seconds',
    'msg/s',
    'CPU ms/msg',
    'peak RSS MB',
    'peak PSS MB',
    'check',
  ];
  const cells = rows.map((r) => [
    r.server,
    LABELS[r.measure],
    formatSize(r.payloadBytes),
    String(r.concurrency),
    String(r.messages),
    r.seconds.toFixed(2),
    r.perSecond.toFixed(1),
    r.cpuMsPerMessage.toFixed(2),
    r.peakRssMb.toFixed(1),
    r.peakPssMb === undefined ? '-' : r.peakPssMb.toFixed(1),
    r.verified ? 'ok' : 'FAILED',
  ]);
  const right = header.map((_, i) => i >= 3 && i < 10);
  if (rows.some((r) => r.runs.length > 1)) {
    // Repeated rows: the spread of the runs' rates beside the median.
    header.push('runs msg/s');
    right.push(true);
    rows.forEach((r, i) => {
      const runs = r.runs.map((x) => x.toFixed(0));
      cells[i]?.push(runs.length > 1 ? runs.join(' ') : '-');
    });
  }
  return alignColumns(header, cells, right);
}

/** Loft's rate (on one backend) against Postfix's at the target concurrency, for one message size. */
export interface TargetCheck {
  server: LoftServerName;
  payloadBytes: number;
  connection: 'new' | 'reused';
  loft: number;
  /** Postfix's rate counted in Maildir (comparable to Loft's: both durable in the mailbox). */
  postfixDelivered: number;
  /** Postfix's rate counted at its 250 (queued, delivery still to come). */
  postfixQueued: number;
  ratio: number;
  ratioVsQueued: number;
  met: boolean;
}

/** One check per (Loft backend, size) that has verified Loft and Postfix rows at c=50; SQLite's first. */
export function targetChecks(rows: SmtpAcceptRow[]): TargetCheck[] {
  const at = (server: string, measure: Measure, size: number): SmtpAcceptRow | undefined =>
    rows.find(
      (r) =>
        r.server === server &&
        r.measure === measure &&
        r.payloadBytes === size &&
        r.concurrency === TARGET_CONCURRENCY &&
        r.verified,
    );
  const sizes = [...new Set(rows.map((r) => r.payloadBytes))];
  return LOFT_SERVERS.flatMap((server) =>
    sizes.flatMap((size) => {
      const loft = at(server, 'stored', size);
      const delivered = at('postfix', 'delivered', size);
      const queued = at('postfix', 'queued', size);
      if (!loft || !delivered || !queued) return [];
      const ratio = loft.perSecond / delivered.perSecond;
      return [
        {
          server,
          payloadBytes: size,
          connection: loft.connection,
          loft: loft.perSecond,
          postfixDelivered: delivered.perSecond,
          postfixQueued: queued.perSecond,
          ratio,
          ratioVsQueued: loft.perSecond / queued.perSecond,
          met: ratio >= TARGET_RATIO,
        },
      ];
    }),
  );
}

/** The target lines for the report; says so when no check could be made. */
export function formatTargets(checks: TargetCheck[]): string[] {
  if (checks.length === 0) {
    return [
      `Loft/Postfix at c=${TARGET_CONCURRENCY}, new connection per message: n/a (needs verified Loft and Postfix rows at c=${TARGET_CONCURRENCY})`,
    ];
  }
  return checks.flatMap((c) => {
    const mode =
      c.connection === 'new' ? 'new connection per message' : 'connections REUSED (not the target setting)';
    const loft = SERVER_TITLES[c.server];
    return [
      `${loft}/Postfix at c=${TARGET_CONCURRENCY}, ${mode}: ${c.ratio.toFixed(2)} (target ≥ ${TARGET_RATIO}) ` +
        `[${formatSize(c.payloadBytes)}: ${loft} ${c.loft.toFixed(1)} msg/s stored, Postfix ${c.postfixDelivered.toFixed(1)} msg/s in Maildir] ${c.met ? 'MET' : 'NOT MET'}`,
      `    against Postfix's acceptance alone (queued, ${c.postfixQueued.toFixed(1)} msg/s): ${c.ratioVsQueued.toFixed(2)}`,
    ];
  });
}
