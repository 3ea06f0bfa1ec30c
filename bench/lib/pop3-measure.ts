/**
 * One measured POP3 session of the benchmark, against any of its servers: the server as the
 * measuring loop sees it (its processes, its CPU time, when a session is over), and the session
 * run, timed and sampled into a row.
 */
import type { DovecotServer } from './dovecot-server.ts';
import type { LoftServerName } from './loft-names.ts';
import { DEFAULT_PASSWORD, type LoftServer } from './loft-server.ts';
import type { Pop3Phase, Pop3Row } from './pop3-report.ts';
import { runPop3Session } from './pop3-session.ts';
import { MemorySampler, treeCpuSeconds } from './procfs.ts';

const SAMPLE_MS = 100;

/** A server under test, as the measuring loop sees it. */
export interface Pop3Target {
  name: Pop3Row['server'];
  port: number;
  rootPid(): number | undefined;
  /** CPU seconds of the server so far (its process tree; loft-pg: with its database backends). */
  cpuSeconds(): number;
  /** Resolves once the server has finished with a session that was quit (its processes reaped). */
  settle(): Promise<void>;
}

export interface SessionSpec {
  phase: Pop3Phase;
  /** RETRs outstanding at once. */
  depth: number;
  /** Messages STAT must count. */
  expected: number;
  user: string;
}

const mb = (kb: number | undefined): number | undefined =>
  kb === undefined ? undefined : Math.round(kb / 102.4) / 10;

/** Runs one timed session against `target` (memory sampled every 100 ms) and turns it into a row. */
export async function measureSession(target: Pop3Target, spec: SessionSpec): Promise<Pop3Row> {
  const { phase, depth, expected } = spec;
  const pid = target.rootPid();
  const base = { server: target.name, phase, depth, maildrop: expected, runs: [] };
  if (pid === undefined) {
    return {
      ...base,
      ...emptyFigures(),
      verified: false,
      contentDigest: '',
      error: `${target.name} is not running`,
    };
  }
  const sampler = new MemorySampler(pid, true);
  const cpu0 = target.cpuSeconds();
  sampler.start(SAMPLE_MS);
  const session = await runPop3Session({
    port: target.port,
    user: spec.user,
    password: DEFAULT_PASSWORD,
    depth,
    expectedMessages: expected,
    timeoutMs: 120_000,
  });
  await target.settle();
  const cpu1 = target.cpuSeconds();
  sampler.stop();
  const retr = session.retrSeconds;
  return {
    ...base,
    depth: session.depth,
    maildrop: session.statCount,
    messages: session.messages,
    octets: session.octets,
    loginMs: session.loginMs,
    statMs: session.statMs,
    uidlMs: session.uidlMs,
    listMs: session.listMs,
    quitMs: session.quitMs,
    retrSeconds: retr,
    sessionSeconds: session.sessionSeconds,
    perSecond: retr > 0 ? session.messages / retr : 0,
    mbPerSecond: retr > 0 ? session.octets / 2 ** 20 / retr : 0,
    cpuMs: (cpu1 - cpu0) * 1000,
    peakRssMb: mb(sampler.peakRssKb) ?? 0,
    peakPssMb: mb(sampler.peakPssKb),
    peakProcesses: sampler.peakProcesses,
    verified: session.verified,
    contentDigest: session.contentDigest,
    ...(session.errors.length > 0 ? { error: session.errors.join('; ') } : {}),
  };
}

function emptyFigures() {
  return {
    messages: 0,
    octets: 0,
    loginMs: 0,
    statMs: 0,
    uidlMs: 0,
    listMs: 0,
    quitMs: 0,
    retrSeconds: 0,
    sessionSeconds: 0,
    perSecond: 0,
    mbPerSecond: 0,
    cpuMs: 0,
    peakRssMb: 0,
    peakPssMb: undefined,
    peakProcesses: 0,
  };
}

/** Loft on either backend: its one process (loft-pg: with its database backends). */
export function loftTarget(name: LoftServerName, l: LoftServer): Pop3Target {
  return {
    name,
    port: l.pop3Port!,
    rootPid: () => (l.running ? l.pid : undefined),
    cpuSeconds: () => l.cpuSeconds(),
    settle: async () => undefined,
  };
}

/** Dovecot: its master and every child; a session is over once its processes are reaped. */
export function dovecotTarget(d: DovecotServer, notes: string[]): Pop3Target {
  return {
    name: 'dovecot',
    port: d.port,
    rootPid: () => d.masterPid(),
    cpuSeconds: () => {
      const pid = d.masterPid();
      return pid === undefined ? 0 : treeCpuSeconds(pid);
    },
    settle: async () => {
      if (!(await d.waitSessionsEnded(10_000)))
        notes.push('a Dovecot session process outlived its QUIT by 10 s');
    },
  };
}
