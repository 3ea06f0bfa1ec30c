/**
 * The rows of the outbound benchmark, how repeated runs fold into one row per server, the
 * printed table and the comparison lines under it.
 */

export const OUTBOUND_SERVER_NAMES = ['loft', 'postfix'] as const;
export type OutboundServerName = (typeof OUTBOUND_SERVER_NAMES)[number];

/** One run: one server relaying every queued message to the sink. */
export interface OutboundRow {
  server: OutboundServerName;
  /** Messages queued, each expected once at the sink. */
  messages: number;
  /** Messages the sink got (duplicates included). */
  received: number;
  /** From the release (Loft: the process's start; Postfix: the release from hold) to the queue drained. */
  seconds: number;
  /** messages / seconds. */
  perSecond: number;
  /** From the release to the sink's first message. */
  firstSeconds: number;
  /** (messages − 1) / time from the sink's first message to its last: the rate once started. */
  steadyPerSecond: number;
  /** Connections the sink accepted. */
  connections: number;
  /** User + system CPU of the server's processes over the run, per message, in ms. */
  cpuMsPerMessage: number;
  /** Loft: VmHWM of its process; Postfix: the highest sampled sum of VmRSS over its processes. */
  peakRssMb: number;
  /** The highest sampled sum of Pss (shared pages divided among the processes). */
  peakPssMb: number | undefined;
  /** The sink got every message exactly once and the queue is empty. */
  verified: boolean;
  /** msg/s of each run when repeated; the row itself is the median run. */
  runs: number[];
  error?: string;
}

/**
 * One row per server: the run with the median rate (the lower middle one for an even count),
 * every run's rate in `runs`, verified only if every run was.
 */
export function medianOutboundRows(rows: readonly OutboundRow[]): OutboundRow[] {
  const groups = new Map<string, OutboundRow[]>();
  for (const row of rows) groups.set(row.server, [...(groups.get(row.server) ?? []), row]);
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

const fixed = (n: number | undefined, digits: number): string => (n === undefined ? '-' : n.toFixed(digits));

/** The table printed at the end. */
export function formatOutbound(rows: readonly OutboundRow[]): string {
  const repeated = rows.some((r) => r.runs.length > 1);
  const header = [
    'server',
    'messages',
    'seconds',
    'msg/s',
    'first s',
    'steady msg/s',
    'connections',
    'CPU ms/msg',
    'peak RSS MB',
    'peak PSS MB',
    'check',
    ...(repeated ? ['runs msg/s'] : []),
  ];
  const lines = rows.map((r) => [
    r.server,
    String(r.messages),
    fixed(r.seconds, 2),
    fixed(r.perSecond, 0),
    fixed(r.firstSeconds, 2),
    fixed(r.steadyPerSecond, 0),
    String(r.connections),
    fixed(r.cpuMsPerMessage, 2),
    fixed(r.peakRssMb, 0),
    fixed(r.peakPssMb, 0),
    r.verified ? 'ok' : 'FAILED',
    ...(repeated ? [r.runs.map((x) => x.toFixed(0)).join(' ')] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  return [header, ...lines]
    .map((l) => l.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n');
}

/** The comparison under the table: Loft's rate and memory against Postfix's, when both ran. */
export function formatOutboundComparison(rows: readonly OutboundRow[]): string[] {
  const loft = rows.find((r) => r.server === 'loft' && r.verified);
  const postfix = rows.find((r) => r.server === 'postfix' && r.verified);
  if (!loft || !postfix) return [];
  const ratio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(2) : '-');
  const lines = [
    `Loft/Postfix delivery rate: ${ratio(loft.perSecond, postfix.perSecond)} (steady: ${ratio(loft.steadyPerSecond, postfix.steadyPerSecond)})`,
  ];
  if (postfix.peakPssMb !== undefined && loft.peakPssMb !== undefined)
    lines.push(`Loft/Postfix peak memory (PSS): ${ratio(loft.peakPssMb, postfix.peakPssMb)}`);
  return lines;
}

/** Each row's errors, for the lines under the table. */
export function outboundErrors(rows: readonly OutboundRow[]): string[] {
  return rows.flatMap((r) => (r.error ? [`${r.server}: ${r.error}`] : []));
}
