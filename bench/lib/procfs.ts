/**
 * Reading CPU time and memory of a server's processes from Linux /proc (proc(5)).
 *
 * A server is measured as a process tree: its root (Loft's only process, or Postfix's master)
 * and every descendant alive at the moment of the reading. CPU time of the tree is the sum over
 * its live processes of utime + stime + cutime + cstime: a child that exited and was reaped is
 * counted in its parent's cutime/cstime, a live child in its own fields, never both.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The fields of /proc/PID/stat this benchmark uses; times in clock ticks. */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
}

/**
 * Parses one /proc/PID/stat line, or returns undefined when it is malformed. The command name
 * is in parentheses and may itself contain spaces and parentheses, so fields are counted from
 * the last ')' (proc(5): fields 3 state, 4 ppid, 14 utime, 15 stime, 16 cutime, 17 cstime).
 */
export function parseStat(line: string): ProcStat | undefined {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(line.slice(0, open).trim());
  const rest = line
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const field = (n: number): number => Number(rest[n - 3]);
  const stat: ProcStat = {
    pid,
    comm: line.slice(open + 1, close),
    state: rest[0] ?? '',
    ppid: field(4),
    utime: field(14),
    stime: field(15),
    cutime: field(16),
    cstime: field(17),
  };
  const numbers = [stat.pid, stat.ppid, stat.utime, stat.stime, stat.cutime, stat.cstime];
  return numbers.every(Number.isFinite) ? stat : undefined;
}

/** Reads a `Key:   value kB` field of /proc/PID/status or smaps_rollup text; kB, or undefined. */
export function statusKb(text: string, key: string): number | undefined {
  const match = new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second (`getconf CLK_TCK`, 100 on nearly every Linux). */
export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined; // the process exited meanwhile
  }
}

/** Every process's stat, keyed by pid (processes that vanish while reading are skipped). */
export function allStats(): Map<number, ProcStat> {
  const stats = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const text = readText(`/proc/${name}/stat`);
    const stat = text === undefined ? undefined : parseStat(text);
    if (stat) stats.set(stat.pid, stat);
  }
  return stats;
}

/** `root` and its live descendants, from a snapshot of every process's stat. */
export function processTree(root: number, stats: Map<number, ProcStat>): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats.values()) {
    const list = children.get(stat.ppid) ?? [];
    list.push(stat);
    children.set(stat.ppid, list);
  }
  const rootStat = stats.get(root);
  if (!rootStat) return [];
  const tree: ProcStat[] = [];
  const pending = [rootStat];
  while (pending.length > 0 && tree.length < 100_000) {
    const next = pending.pop()!;
    tree.push(next);
    pending.push(...(children.get(next.pid) ?? []));
  }
  return tree;
}

/** CPU seconds (user + system, including reaped children) used so far by the tree under `root`. */
export function treeCpuSeconds(root: number): number {
  const ticks = processTree(root, allStats()).reduce(
    (sum, p) => sum + p.utime + p.stime + p.cutime + p.cstime,
    0,
  );
  return ticks / clockTicks();
}

/** One memory reading of a process tree, in kB. */
export interface MemoryReading {
  processes: number;
  /** Sum of VmRSS: pages shared between processes (libraries, Postfix's shared text) count once per process. */
  rssKb: number;
  /** Sum of Pss (proportional set size): each shared page divided among its users; undefined if unreadable. */
  pssKb: number | undefined;
  /**
   * Sum of RssAnon: the processes' own memory (heap, stacks), without mapped files such as
   * SQLite's memory-mapped database, whose pages are the kernel's page cache and come and go.
   */
  anonKb: number;
}

/** Reads the memory of `root` and its live descendants; `withPss` also reads smaps_rollup (costlier). */
export function treeMemory(root: number, withPss: boolean): MemoryReading {
  const tree = processTree(root, allStats());
  let rssKb = 0;
  let anonKb = 0;
  let pssKb: number | undefined = withPss ? 0 : undefined;
  for (const p of tree) {
    const status = readText(`/proc/${p.pid}/status`) ?? '';
    rssKb += statusKb(status, 'VmRSS') ?? 0;
    anonKb += statusKb(status, 'RssAnon') ?? 0;
    if (pssKb !== undefined) {
      const pss = statusKb(readText(`/proc/${p.pid}/smaps_rollup`) ?? '', 'Pss');
      pssKb = pss === undefined ? undefined : pssKb + pss;
    }
  }
  return { processes: tree.length, rssKb, pssKb, anonKb };
}

/** The machine's CPU time so far, in clock ticks: busy (everything but idle and iowait) and in all. */
export function machineTicks(text = readText('/proc/stat') ?? ''): { busy: number; total: number } {
  const line = text.split('\n', 1)[0] ?? '';
  if (!line.startsWith('cpu ')) return { busy: 0, total: 0 };
  // user nice system idle iowait irq softirq steal (guest time is already in user and nice).
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((sum, n) => sum + (Number.isFinite(n) ? n : 0), 0);
  return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
}

/** The share of the machine's CPU time that was busy between two {@link machineTicks} readings. */
export function busyShare(
  from: { busy: number; total: number },
  to: { busy: number; total: number },
): number {
  const total = to.total - from.total;
  return total > 0 ? (to.busy - from.busy) / total : 0;
}

/** The high-water mark of resident memory (VmHWM) of one process over its lifetime, in kB. */
export function peakRssKb(pid: number): number | undefined {
  return statusKb(readText(`/proc/${pid}/status`) ?? '', 'VmHWM');
}

/** Peak memory of a process tree over an interval, sampled on a timer. */
export class MemorySampler {
  readonly #root: number;
  readonly #withPss: boolean;
  #timer: NodeJS.Timeout | undefined;
  peakRssKb = 0;
  peakPssKb: number | undefined;
  peakProcesses = 0;
  samples = 0;

  constructor(root: number, withPss: boolean) {
    this.#root = root;
    this.#withPss = withPss;
  }

  /** Takes one reading now and then one every `intervalMs` until `stop()`. */
  start(intervalMs: number): void {
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Takes a last reading and stops the timer. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.sample();
  }

  sample(): void {
    const reading = treeMemory(this.#root, this.#withPss);
    if (reading.processes === 0) return;
    this.samples += 1;
    this.peakRssKb = Math.max(this.peakRssKb, reading.rssKb);
    this.peakProcesses = Math.max(this.peakProcesses, reading.processes);
    if (reading.pssKb !== undefined) this.peakPssKb = Math.max(this.peakPssKb ?? 0, reading.pssKb);
  }
}
