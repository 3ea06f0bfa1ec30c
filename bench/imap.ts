/**
 * The IMAP benchmark: Loft (on SQLite, and as `loft-pg` on PostgreSQL) and a Dovecot instance
 * side by side over the same mailbox of generated messages (bench/lib/imap-messages.ts), by the
 * same minimal client. Each Loft's storage is filled before it starts, by a child process
 * through Loft's own delivery code (bench/lib/imap-fill.ts, bench/lib/imap-loft.ts); Dovecot
 * gets the same messages as Maildir files in cur/. Each
 * session times and checks SELECT, the two FETCH 1:*, a TEXT search of a rare word and the
 * fetch of 1,000 whole messages (bench/lib/imap-session.ts); then each server holds many
 * connections in IDLE and its memory is read before and after (bench/lib/imap-idle.ts).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DovecotServer, dovecotUnavailable, dovecotVersion } from './lib/dovecot-server.ts';
import { type HostInfo, hostInfo } from './lib/host.ts';
import { fatalError, fillLoftStorage, type ImapLoading, startFilledLoft } from './lib/imap-loft.ts';
import { idleMemory, type Target } from './lib/imap-memory.ts';
import { MailboxGenerator, rareMessages } from './lib/imap-messages.ts';
import { type ImapMemoryRow, type ImapPhase, type ImapRow, medianImapRows } from './lib/imap-report.ts';
import { type ExpectedMailbox, type ImapOperation, runImapSession } from './lib/imap-session.ts';
import { collectGarbage } from './lib/inspector-gc.ts';
import { type LoftBackend, prepareBackend } from './lib/loft-backend.ts';
import { LOFT_SERVERS, type LoftServerName } from './lib/loft-names.ts';
import { DEFAULT_PASSWORD, type LoftServer } from './lib/loft-server.ts';
import { peakRssKb, treeCpuSeconds } from './lib/procfs.ts';

export const IMAP_SERVER_NAMES = [...LOFT_SERVERS, 'dovecot'] as const;
export type ImapServerName = (typeof IMAP_SERVER_NAMES)[number];

/** The issue's sizes: a mailbox of 100,000 messages, 10,000 idle connections. */
export const IMAP_MESSAGES = 100_000;
export const IMAP_CONNECTIONS = 10_000;
export const IMAP_QUICK_MESSAGES = 2_000;
export const IMAP_QUICK_CONNECTIONS = 200;
/** Short sessions per server that time SELECT INBOX again (see `ImapOptions.selectSamples`). */
export const IMAP_SELECT_SAMPLES = 20;
export const IMAP_QUICK_SELECT_SAMPLES = 3;

export interface ImapOptions {
  servers: ImapServerName[];
  messages: number;
  connections: number;
  seed: number;
  /** Later sessions per server, servers taking turns; each operation's row is the median. */
  repeat: number;
  /** Extra sessions per server that only log in and SELECT, for SELECT's median. */
  selectSamples: number;
  keep: boolean;
  /** Longest time spent opening idle connections to one server, in seconds. */
  idleSeconds: number;
  /** Run Loft with `node --cpu-prof` (profiles written under the temporary folder, which is kept). */
  profile: boolean;
  /** The PostgreSQL database of `loft-pg` (a schema of its own per run, dropped at the end). */
  postgres: string;
  log: (line: string) => void;
}

export interface ImapResult {
  host: HostInfo;
  dovecot: string | undefined;
  /** The PostgreSQL server's version when `loft-pg` ran. */
  postgres: string | undefined;
  mailbox: {
    messages: number;
    averageOctets: number;
    rareWordMessages: number;
    /** Writing Dovecot's Maildir (while the first Loft is filled). */
    dovecotWriteSeconds: number | undefined;
  };
  /** Each Loft's fill and indexing, in order (the first filled while Dovecot's Maildir is written). */
  loading: ImapLoading[];
  rows: ImapRow[];
  memory: ImapMemoryRow[];
  /** The client's open-files limit, when the idle connections were opened. */
  clientNofile: number | undefined;
  /** VmHWM of each Loft process over the whole run, in MB. */
  loftLifetimePeakRssMb: Partial<Record<LoftServerName, number>>;
  notes: string[];
}

/** Between two SELECT samples: the server is idle, as between a user's commands. */
const SELECT_SAMPLE_PAUSE_MS = 200;

const DOMAIN = 'bench.test';
const USER = `u1@${DOMAIN}`;

/** The client's own open-files limit (soft), from /proc/self/limits; Loft and Dovecot inherit it. */
function clientNofile(): number | undefined {
  const match = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return match ? Number(match[1]) : undefined;
}

/** Generates the mailbox once: writes Dovecot's Maildir (when there is one) and records what to check. */
function generate(
  options: ImapOptions,
  dovecot: DovecotServer | undefined,
): { expected: ExpectedMailbox; octets: number } {
  const sizes = new Uint32Array(options.messages);
  let seen = 0;
  let octets = 0;
  const messages = new MailboxGenerator(options.messages, options.seed);
  const tracked = (function* () {
    for (const m of messages) {
      sizes[m.index] = m.raw.length;
      octets += m.raw.length;
      if (m.seen) seen += 1;
      yield m;
    }
  })();
  if (dovecot) dovecot.deliverToCur(tracked);
  else for (const _ of tracked);
  const rareUids = rareMessages(options.messages, options.seed).map((i) => i + 1);
  return { expected: { sizes, seen, rareUids, seed: options.seed }, octets };
}

/** Runs one checked session against `target` and turns it into rows, with the server's CPU per operation. */
async function session(
  target: Target,
  phase: ImapPhase,
  expected: ExpectedMailbox,
  selectOnly = false,
): Promise<ImapRow[]> {
  const pid = target.rootPid();
  if (pid === undefined) {
    return [
      {
        server: target.name,
        phase,
        operation: 'login',
        ms: 0,
        responses: 0,
        octets: 0,
        cpuMs: 0,
        verified: false,
        runs: [],
        error: `${target.name} is not running`,
      },
    ];
  }
  const cpu = new Map<ImapOperation, number>();
  const results = await runImapSession({
    port: target.port,
    user: USER,
    password: DEFAULT_PASSWORD,
    expected,
    selectOnly,
    around: (operation, when) => {
      const seconds = target.cpuSeconds();
      cpu.set(operation, when === 'before' ? seconds : (seconds - (cpu.get(operation) ?? seconds)) * 1000);
    },
  });
  await target.settle();
  return results.map((r) => ({
    server: target.name,
    phase,
    ...r,
    cpuMs: cpu.get(r.operation) ?? 0,
    runs: [],
  }));
}

/** A running Loft of the benchmark, on one backend. */
interface RunningLoft {
  name: LoftServerName;
  server: LoftServer;
  inspectPort: number;
}

function loftTarget(loft: RunningLoft): Target {
  const l = loft.server;
  return {
    name: loft.name,
    port: l.imapPort!,
    rootPid: () => (l.running ? l.pid : undefined),
    cpuSeconds: () => l.cpuSeconds(),
    settle: async () => undefined,
    collectGarbage: () => collectGarbage(loft.inspectPort),
    exitReason: () => fatalError(l.logFile),
  };
}

function dovecotTarget(d: DovecotServer, notes: string[]): Target {
  return {
    name: 'dovecot',
    port: d.port,
    rootPid: () => d.masterPid(),
    cpuSeconds: () => {
      const pid = d.masterPid();
      return pid === undefined ? 0 : treeCpuSeconds(pid);
    },
    settle: async () => {
      if (!(await d.waitSessionsEnded(60_000)))
        notes.push('a Dovecot session process outlived its LOGOUT by 60 s');
    },
  };
}

/** Runs the benchmark: fills the mailboxes, starts the servers, measures the sessions and the idle memory. */
export async function runImap(options: ImapOptions): Promise<ImapResult> {
  const notes: string[] = [];
  const root = mkdtempSync(path.join(os.tmpdir(), 'loft-bench-imap-'));
  chmodSync(root, 0o755);
  const host = hostInfo(root);
  const lofts: RunningLoft[] = [];
  const backends: LoftBackend[] = [];
  let dovecot: DovecotServer | undefined;
  const cleanup = async (): Promise<void> => {
    await Promise.allSettled([...lofts.map((l) => l.server.stop()), dovecot?.stop()]);
    for (const backend of backends) {
      await backend
        .drop()
        .catch((err: Error) => notes.push(`${backend.name}: could not drop its schema: ${err.message}`));
    }
  };
  const onSignal = (): void => {
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const rows: ImapRow[] = [];
  const memory: ImapMemoryRow[] = [];
  const mailbox: ImapResult['mailbox'] = {
    messages: options.messages,
    averageOctets: 0,
    rareWordMessages: rareMessages(options.messages, options.seed).length,
    dovecotWriteSeconds: undefined,
  };
  const loading: ImapLoading[] = [];
  const loftPeak: Partial<Record<LoftServerName, number>> = {};
  let postgresVersion: string | undefined;
  let nofile: number | undefined;
  let failed = false;
  try {
    const clients = options.connections + 100;
    if (options.servers.includes('dovecot')) {
      const why = dovecotUnavailable('imap');
      if (why) notes.push(`Dovecot skipped: ${why}`);
      else {
        dovecot = await DovecotServer.start({
          root: path.join(root, 'dovecot'),
          user: USER,
          password: DEFAULT_PASSWORD,
          protocol: 'imap',
          clients,
        });
        options.log(
          `dovecot: master pid ${dovecot.masterPid()}, IMAP 127.0.0.1:${dovecot.port}, instance ${dovecot.root}`,
        );
      }
    }
    for (const name of LOFT_SERVERS.filter((n) => options.servers.includes(n))) {
      try {
        backends.push(await prepareBackend(name, options.postgres));
      } catch (err) {
        notes.push(
          `Loft on PostgreSQL skipped: ${options.postgres} does not answer (${(err as Error).message})`,
        );
      }
    }
    postgresVersion = backends.find((b) => b.postgresVersion)?.postgresVersion;

    // Each Loft's storage is filled by a child process; the first one while Dovecot's Maildir is
    // written (as the generator goes), the others after, one at a time.
    const loftRoot = (backend: LoftBackend): string => path.join(root, backend.name);
    const fill = async (backend: LoftBackend): Promise<number> => {
      mkdirSync(loftRoot(backend));
      const filled = await fillLoftStorage({
        dataDir: path.join(loftRoot(backend), 'data'),
        messages: options.messages,
        seed: options.seed,
        user: USER,
        password: DEFAULT_PASSWORD,
        storage: backend.storage,
      });
      loading.push({
        server: backend.name,
        fillSeconds: filled.seconds,
        indexSeconds: undefined,
        indexCpuSeconds: undefined,
      });
      options.log(`  ${backend.name} (${backend.description}) filled in ${filled.seconds.toFixed(1)} s`);
      return filled.octets;
    };
    const targetNames = [...backends.map((b) => b.name), ...(dovecot ? ['dovecot'] : [])];
    options.log(
      `generating ${options.messages} messages (seed ${options.seed}) for ${targetNames.join(', ')}: Loft's storage filled by a child process through DeliveryService.append${dovecot ? ", Dovecot's Maildir written meanwhile" : ''}…`,
    );
    const [firstBackend, ...otherBackends] = backends;
    const firstFill = firstBackend ? fill(firstBackend) : undefined;
    firstFill?.catch(() => undefined); // awaited below
    const writeStarted = process.hrtime.bigint();
    const { expected, octets } = generate(options, dovecot);
    if (dovecot) mailbox.dovecotWriteSeconds = Number(process.hrtime.bigint() - writeStarted) / 1e9;
    mailbox.averageOctets = Math.round(octets / options.messages);
    const filledOctets = firstFill ? [await firstFill] : [];
    for (const backend of otherBackends) filledOctets.push(await fill(backend));
    for (const [i, filled] of filledOctets.entries()) {
      if (filled !== octets)
        throw new Error(
          `${backends[i]?.name} was filled with ${filled} octets, the generator made ${octets}`,
        );
    }
    options.log(
      `  ${options.messages} messages, ${mailbox.averageOctets} octets on average${mailbox.dovecotWriteSeconds === undefined ? '' : `; Maildir written in ${mailbox.dovecotWriteSeconds.toFixed(1)} s`}`,
    );

    // Each Loft started and indexed in turn, so that one's indexing does not slow the other's.
    for (const backend of backends) {
      const started = await startFilledLoft({
        root: loftRoot(backend),
        backend,
        domain: DOMAIN,
        user: USER,
        connections: clients,
        messages: options.messages,
        profileDir: options.profile ? path.join(root, 'profile', backend.name) : undefined,
        log: options.log,
      });
      lofts.push({ name: backend.name, server: started.server, inspectPort: started.inspectPort });
      const load = loading.find((l) => l.server === backend.name);
      if (load)
        Object.assign(load, { indexSeconds: started.indexSeconds, indexCpuSeconds: started.indexCpuSeconds });
      if (started.indexSeconds === undefined)
        notes.push(`${backend.name}: Loft's search backlog was not empty after 30 minutes; measured anyway`);
    }

    const targets: Target[] = lofts.map(loftTarget);
    if (dovecot) targets.push(dovecotTarget(dovecot, notes));
    const log = (target: Target, label: string, result: ImapRow[]): void => {
      const summary = result
        .map((r) => `${r.operation} ${r.ms.toFixed(1)} ms${r.verified ? '' : ' FAILED'}`)
        .join(', ');
      options.log(`  ${target.name} ${label}: ${summary}`);
      for (const r of result) if (r.error) options.log(`    ${r.error}`);
    };
    // The first session of each server: cold SELECT, Dovecot builds its index and cache.
    for (const target of targets) {
      const result = await session(target, 'first', expected);
      log(target, 'first session', result);
      rows.push(...result);
    }
    // Later sessions: servers take turns, the order alternating by round.
    const later: ImapRow[] = [];
    for (let round = 1; round <= options.repeat; round++) {
      const order = round % 2 === 1 ? targets : [...targets].reverse();
      for (const target of order) {
        const result = await session(target, 'later', expected);
        log(target, `later session ${round}/${options.repeat}`, result);
        later.push(...result);
      }
    }
    // SELECT takes about a millisecond: one sample per later session is too few for a median, so
    // each server also gets short sessions (LOGIN, SELECT INBOX, LOGOUT), taking turns.
    if (options.selectSamples > 0)
      options.log(`${options.selectSamples} more sessions per server to time SELECT INBOX…`);
    for (let round = 1; round <= options.selectSamples; round++) {
      const order = round % 2 === 1 ? targets : [...targets].reverse();
      for (const target of order) {
        const result = await session(target, 'later', expected, true);
        later.push(...result.filter((r) => r.operation === 'select' || !r.verified));
        await sleep(SELECT_SAMPLE_PAUSE_MS);
      }
    }
    rows.push(...medianImapRows(later));

    nofile = clientNofile();
    if (nofile !== undefined && nofile < options.connections + 200) {
      notes.push(
        `the open-files limit (${nofile}; the servers inherit it) is too low for ${options.connections} connections: raise ulimit -n`,
      );
    }
    for (const target of targets) {
      memory.push(
        await idleMemory(target, {
          user: USER,
          password: DEFAULT_PASSWORD,
          connections: options.connections,
          exists: options.messages,
          seconds: options.idleSeconds,
          log: options.log,
          notes,
        }),
      );
    }
    for (const loft of lofts) {
      if (loft.server.running)
        loftPeak[loft.name] = Math.round((peakRssKb(loft.server.pid) ?? 0) / 102.4) / 10;
    }
  } catch (err) {
    failed = true;
    notes.push(`the benchmark stopped: ${(err as Error).message}`);
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (options.profile) notes.push(`Loft's CPU profile: ${path.join(root, 'profile')}`);
    if (
      options.keep ||
      options.profile ||
      failed ||
      rows.some((r) => !r.verified) ||
      memory.some((m) => !m.verified)
    )
      notes.push(`temporary folder kept for inspection: ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
  return {
    host,
    dovecot: dovecotVersion(),
    postgres: postgresVersion,
    mailbox,
    loading,
    rows,
    memory,
    clientNofile: nofile,
    loftLifetimePeakRssMb: loftPeak,
    notes,
  };
}
