/**
 * The memory of idle IMAP connections: a server's memory is read, many connections are opened
 * (each logged in, INBOX selected, in IDLE; bench/lib/imap-idle.ts), the memory is read again,
 * and the difference is divided among the connections. Loft's garbage is collected before each
 * reading (through its inspector), so its figure counts what the connections keep, not garbage
 * the collector has not yet reached; the reading before that collection is kept too. Opening stops early, and says why, when
 * a time limit passes or memory runs short: the machine is shared, and a server that keeps
 * megabytes per connection would otherwise take it all.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeIdleConnections, openIdleConnections } from './imap-idle.ts';
import type { ImapMemoryRow, ImapServer } from './imap-report.ts';
import { isLoft } from './loft-names.ts';
import { statusKb, treeMemory } from './procfs.ts';

/** A server under test, as the measuring loops see it. */
export interface Target {
  name: ImapServer;
  port: number;
  rootPid(): number | undefined;
  /** CPU seconds of the server so far (its process tree; loft-pg: with its database backends). */
  cpuSeconds(): number;
  /** Resolves once the server is done with the sessions that ended (Dovecot: processes reaped). */
  settle(): Promise<void>;
  /** Runs a full garbage collection in the server (Loft, through its inspector), where it has one. */
  collectGarbage?: () => Promise<void>;
  /** Why the server's process ended, from its log (e.g. V8's "heap out of memory"), if known. */
  exitReason?: () => string | undefined;
}

/** How much Loft's RSS may grow while connections are opened. */
const MAX_GROWTH_KB = 8 * 1024 * 1024;

/** kB of a /proc/meminfo field. */
function meminfoKb(key: string): number {
  return statusKb(readFileSync('/proc/meminfo', 'utf8'), key) ?? 0;
}

/**
 * A reason to stop opening connections, read every 500 ms: the time is up, the machine's
 * available memory fell under a quarter of the total, or Loft's RSS grew by
 * {@link MAX_GROWTH_KB} (not applied to Dovecot, whose summed RSS counts shared pages once per
 * process; the machine's available memory guards it).
 */
function idleGuard(
  target: Target,
  pid: number,
  rssBeforeKb: number,
  seconds: number,
): { check: () => string | undefined; stop: () => void; lastRssKb: () => number } {
  const deadline = Date.now() + seconds * 1000;
  const floorKb = meminfoKb('MemTotal') / 4;
  let reason: string | undefined;
  let lastRssKb = rssBeforeKb;
  const timer = setInterval(() => {
    if (Date.now() > deadline) reason ??= `${seconds} s time limit`;
    if (meminfoKb('MemAvailable') < floorKb) reason ??= "the machine's available memory fell under a quarter";
    if (target.rootPid() === undefined) reason ??= 'the server exited';
    else if (isLoft(target.name)) {
      const rss = treeMemory(pid, false).rssKb;
      if (rss > 0) lastRssKb = rss;
      if (rss - rssBeforeKb > MAX_GROWTH_KB)
        reason ??= `the server's RSS grew by ${MAX_GROWTH_KB / 1024 / 1024} GB`;
    }
  }, 500);
  return { check: () => reason, stop: () => clearInterval(timer), lastRssKb: () => lastRssKb };
}

/** Runs a garbage collection in the server if it can; a failure is noted and the reading goes on. */
async function collect(target: Target, notes: string[]): Promise<boolean> {
  if (!target.collectGarbage || target.rootPid() === undefined) return false;
  try {
    await target.collectGarbage();
    return true;
  } catch (err) {
    notes.push(`${target.name}: no garbage collection before the memory reading: ${(err as Error).message}`);
    return false;
  }
}

export interface IdleMemoryOptions {
  user: string;
  password: string;
  connections: number;
  /** EXISTS expected at SELECT. */
  exists: number;
  /** Longest time spent opening connections. */
  seconds: number;
  log: (line: string) => void;
  notes: string[];
}

/**
 * Opens the connections to `target` and reads its memory before and after (RSS and PSS over its
 * processes), then closes them. Per connection: from PSS for Dovecot (a process per connection),
 * from RSS for Loft (one process). Loft's clients log in with SCRAM-SHA-256 (its LOGIN checks a
 * memory-hard hash, too slow for thousands of logins); Dovecot's with LOGIN.
 */
export async function idleMemory(target: Target, options: IdleMemoryOptions): Promise<ImapMemoryRow> {
  const pid = target.rootPid()!;
  await collect(target, options.notes);
  await sleep(1000);
  const before = treeMemory(pid, true);
  const guard = idleGuard(target, pid, before.rssKb, options.seconds);
  options.log(
    `${target.name}: opening ${options.connections} connections, each logged in, INBOX selected, in IDLE…`,
  );
  const opened = await openIdleConnections({
    port: target.port,
    user: options.user,
    password: options.password,
    connections: options.connections,
    scram: isLoft(target.name),
    exists: options.exists,
    progress: (n) => options.log(`  ${n} idling`),
    shouldStop: guard.check,
  });
  guard.stop();
  await sleep(2000); // let the last sessions settle
  if (target.rootPid() === undefined) {
    closeIdleConnections(opened.clients);
    return exitedRow(target, options, opened.idling, opened.seconds, before, guard.lastRssKb());
  }
  const beforeGc = treeMemory(pid, true);
  let after = beforeGc;
  if (await collect(target, options.notes)) {
    await sleep(1000);
    after = treeMemory(pid, true);
  }
  closeIdleConnections(opened.clients);
  await target.settle();
  // Dovecot: PSS, since its processes share pages. Loft (one process): its anonymous memory,
  // since its RSS also counts the pages of the memory-mapped database that sessions touch.
  const basis =
    target.name === 'dovecot' && before.pssKb !== undefined && after.pssKb !== undefined ? 'pss' : 'anon';
  const delta = basis === 'pss' ? after.pssKb! - before.pssKb! : after.anonKb - before.anonKb;
  const perConnectionKb = opened.idling > 0 ? delta / opened.idling : 0;
  const stopped = opened.stoppedBecause;
  const verified =
    opened.failed === 0 &&
    opened.idling > 0 &&
    (opened.idling === options.connections || stopped !== undefined);
  if (stopped !== undefined) {
    options.notes.push(
      `${target.name}: stopped opening idle connections at ${opened.idling} of ${options.connections}: ${stopped}`,
    );
  }
  if (opened.failed > 0) {
    const errors = opened.errors.join('; ');
    // The client's own limits, as opposed to the server's refusals.
    const client = /EMFILE/.test(errors)
      ? ' (the client ran out of file descriptors: raise ulimit -n)'
      : /EADDRNOTAVAIL/.test(errors)
        ? ' (the client ran out of local ports: see net.ipv4.ip_local_port_range)'
        : '';
    options.notes.push(`${target.name}: ${opened.failed} connections failed before IDLE${client}: ${errors}`);
  }
  options.log(
    `  ${opened.idling} idling after ${opened.seconds.toFixed(1)} s: ${perConnectionKb.toFixed(1)} KB per connection (${basis})`,
  );
  return {
    server: target.name,
    connections: options.connections,
    idling: opened.idling,
    openSeconds: opened.seconds,
    processesBefore: before.processes,
    processesAfter: after.processes,
    rssBeforeKb: before.rssKb,
    rssAfterKb: after.rssKb,
    ...(target.collectGarbage ? { rssAfterBeforeGcKb: beforeGc.rssKb } : {}),
    pssBeforeKb: before.pssKb,
    pssAfterKb: after.pssKb,
    perConnectionKb,
    basis,
    ...(stopped === undefined ? {} : { stoppedBecause: stopped }),
    verified,
    ...(verified ? {} : { error: opened.errors[0] ?? 'not every connection reached IDLE' }),
  };
}

/**
 * The row of a server that exited while the connections were opened (Loft out of heap): the
 * figure per connection is from its last RSS reading before the end (garbage included).
 */
function exitedRow(
  target: Target,
  options: IdleMemoryOptions,
  idling: number,
  seconds: number,
  before: { processes: number; rssKb: number; pssKb: number | undefined },
  lastRssKb: number,
): ImapMemoryRow {
  const why = target.exitReason?.();
  const exited = `exited with ${idling} connections idling${why ? `: ${why}` : ''}`;
  options.notes.push(
    `${target.name} ${exited}; KB per connection from its last RSS reading, before any garbage collection`,
  );
  options.log(`  ${target.name} ${exited}`);
  return {
    server: target.name,
    connections: options.connections,
    idling,
    openSeconds: seconds,
    processesBefore: before.processes,
    processesAfter: 0,
    rssBeforeKb: before.rssKb,
    rssAfterKb: lastRssKb,
    pssBeforeKb: before.pssKb,
    pssAfterKb: undefined,
    perConnectionKb: idling > 0 ? (lastRssKb - before.rssKb) / idling : 0,
    basis: 'rss',
    serverExited: exited,
    verified: false,
    error: `${target.name} ${exited}`,
  };
}
