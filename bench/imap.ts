/**
 * The IMAP benchmark: Loft and a Dovecot instance side by side over the same mailbox of
 * generated messages (bench/lib/imap-messages.ts), by the same minimal client. Loft's data
 * folder is filled before it starts, by a child process through Loft's own delivery code
 * (bench/lib/imap-fill.ts); Dovecot gets the same messages as Maildir files in cur/. Each
 * session times and checks SELECT, the two FETCH 1:*, a TEXT search of a rare word and the
 * fetch of 1,000 whole messages (bench/lib/imap-session.ts); then each server holds many
 * connections in IDLE and its memory is read before and after (bench/lib/imap-idle.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DovecotServer, dovecotUnavailable, dovecotVersion } from './lib/dovecot-server.ts';
import { type HostInfo, hostInfo } from './lib/host.ts';
import { idleMemory, type Target } from './lib/imap-memory.ts';
import { MailboxGenerator, rareMessages } from './lib/imap-messages.ts';
import { type ImapMemoryRow, type ImapPhase, type ImapRow, medianImapRows } from './lib/imap-report.ts';
import { type ExpectedMailbox, type ImapOperation, runImapSession } from './lib/imap-session.ts';
import { collectGarbage } from './lib/inspector-gc.ts';
import { DEFAULT_PASSWORD, LoftServer } from './lib/loft-server.ts';
import { freePort } from './lib/net.ts';
import { peakRssKb, treeCpuSeconds } from './lib/procfs.ts';

export const IMAP_SERVER_NAMES = ['loft', 'dovecot'] as const;
export type ImapServerName = (typeof IMAP_SERVER_NAMES)[number];

/** The issue's sizes: a mailbox of 100,000 messages, 10,000 idle connections. */
export const IMAP_MESSAGES = 100_000;
export const IMAP_CONNECTIONS = 10_000;
export const IMAP_QUICK_MESSAGES = 2_000;
export const IMAP_QUICK_CONNECTIONS = 200;

export interface ImapOptions {
  servers: ImapServerName[];
  messages: number;
  connections: number;
  seed: number;
  /** Later sessions per server, servers taking turns; each operation's row is the median. */
  repeat: number;
  keep: boolean;
  /** Longest time spent opening idle connections to one server, in seconds. */
  idleSeconds: number;
  /** Run Loft with `node --cpu-prof` (profiles written under the temporary folder, which is kept). */
  profile: boolean;
  log: (line: string) => void;
}

export interface ImapResult {
  host: HostInfo;
  dovecot: string | undefined;
  mailbox: {
    messages: number;
    averageOctets: number;
    rareWordMessages: number;
    /** Loft: the child filling its data folder; Dovecot: writing the Maildir (in parallel). */
    loftFillSeconds: number;
    dovecotWriteSeconds: number | undefined;
    /** From Loft's start until its search backlog was empty. */
    loftIndexSeconds: number | undefined;
    loftIndexCpuSeconds: number | undefined;
  };
  rows: ImapRow[];
  memory: ImapMemoryRow[];
  /** The client's open-files limit, when the idle connections were opened. */
  clientNofile: number | undefined;
  loftLifetimePeakRssMb: number | undefined;
  notes: string[];
}

const DOMAIN = 'bench.test';
const USER = `u1@${DOMAIN}`;

/** The client's own open-files limit (soft), from /proc/self/limits; Loft and Dovecot inherit it. */
function clientNofile(): number | undefined {
  const match = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return match ? Number(match[1]) : undefined;
}

/** The last V8 or Node.js fatal error in a log file (e.g. "Reached heap limit … heap out of memory"), if any. */
function fatalError(logFile: string): string | undefined {
  try {
    const text = readFileSync(logFile, 'utf8');
    const lines = text.slice(-64 * 1024).split('\n');
    return lines
      .reverse()
      .find((line) => /^FATAL ERROR:/.test(line))
      ?.replace(/^FATAL ERROR:\s*/, '');
  } catch {
    return undefined;
  }
}

/** Runs the fill child; resolves with its report or rejects with its stderr. */
function fillLoft(dataDir: string, options: ImapOptions): Promise<{ seconds: number; octets: number }> {
  return new Promise((resolve, reject) => {
    const script = path.join(import.meta.dirname, 'lib', 'imap-fill.ts');
    const args = [script, dataDir, String(options.messages), String(options.seed), USER, DEFAULT_PASSWORD];
    const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}'));
      else reject(new Error(`filling Loft's data folder: ${err.trim().split('\n').slice(0, 5).join(' / ')}`));
    });
  });
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
async function session(target: Target, phase: ImapPhase, expected: ExpectedMailbox): Promise<ImapRow[]> {
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
    around: (operation, when) => {
      const seconds = treeCpuSeconds(pid);
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

/** Runs the benchmark: fills both mailboxes, starts the servers, measures the sessions and the idle memory. */
export async function runImap(options: ImapOptions): Promise<ImapResult> {
  const notes: string[] = [];
  const root = mkdtempSync(path.join(os.tmpdir(), 'loft-bench-imap-'));
  chmodSync(root, 0o755);
  const host = hostInfo(root);
  let loft: LoftServer | undefined;
  let dovecot: DovecotServer | undefined;
  const cleanup = async (): Promise<void> => {
    await Promise.allSettled([loft?.stop(), dovecot?.stop()]);
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
    loftFillSeconds: 0,
    dovecotWriteSeconds: undefined,
    loftIndexSeconds: undefined,
    loftIndexCpuSeconds: undefined,
  };
  let nofile: number | undefined;
  let loftPeak: number | undefined;
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
    const loftDir = path.join(root, 'loft');
    mkdirSync(loftDir);
    options.log(
      `generating ${options.messages} messages (seed ${options.seed}): Loft's data folder filled by a child process through DeliveryService.append${dovecot ? ", Dovecot's Maildir written meanwhile" : ''}…`,
    );
    const filling = fillLoft(path.join(loftDir, 'data'), options);
    filling.catch(() => undefined); // awaited below
    const writeStarted = process.hrtime.bigint();
    const { expected, octets } = generate(options, dovecot);
    if (dovecot) mailbox.dovecotWriteSeconds = Number(process.hrtime.bigint() - writeStarted) / 1e9;
    mailbox.averageOctets = Math.round(octets / options.messages);
    const filled = await filling;
    mailbox.loftFillSeconds = filled.seconds;
    if (filled.octets !== octets)
      throw new Error(`Loft was filled with ${filled.octets} octets, the generator made ${octets}`);
    options.log(
      `  ${options.messages} messages, ${mailbox.averageOctets} octets on average; Loft filled in ${filled.seconds.toFixed(1)} s${mailbox.dovecotWriteSeconds === undefined ? '' : `, Maildir written in ${mailbox.dovecotWriteSeconds.toFixed(1)} s`}`,
    );

    const profileDir = path.join(root, 'profile');
    const inspectPort = await freePort();
    const loftStarted = process.hrtime.bigint();
    loft = await LoftServer.start({
      root: loftDir,
      domain: DOMAIN,
      users: [USER],
      imap: true,
      provisioned: true,
      connections: clients,
      nodeOptions: [
        `--inspect=127.0.0.1:${inspectPort}`, // to collect garbage before memory readings
        ...(options.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      ],
    });
    options.log(
      `loft: pid ${loft.pid}, IMAP 127.0.0.1:${loft.imapPort}, data ${loft.dataDir}; waiting for the search index…`,
    );
    if (await loft.waitIndexed(options.messages, 30 * 60_000)) {
      mailbox.loftIndexSeconds = Number(process.hrtime.bigint() - loftStarted) / 1e9;
      mailbox.loftIndexCpuSeconds = treeCpuSeconds(loft.pid);
      options.log(
        `  search backlog empty ${mailbox.loftIndexSeconds.toFixed(1)} s after the start (${mailbox.loftIndexCpuSeconds.toFixed(1)} s CPU)`,
      );
    } else {
      notes.push("Loft's search backlog was not empty after 30 minutes; measured anyway");
    }

    const targets: Target[] = [];
    if (options.servers.includes('loft')) {
      const l = loft;
      targets.push({
        name: 'loft',
        port: l.imapPort!,
        rootPid: () => (l.running ? l.pid : undefined),
        settle: async () => undefined,
        collectGarbage: () => collectGarbage(inspectPort),
        exitReason: () => fatalError(l.logFile),
      });
    }
    if (dovecot) {
      const d = dovecot;
      targets.push({
        name: 'dovecot',
        port: d.port,
        rootPid: () => d.masterPid(),
        settle: async () => {
          if (!(await d.waitSessionsEnded(60_000)))
            notes.push('a Dovecot session process outlived its LOGOUT by 60 s');
        },
      });
    }
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
    if (loft.running) loftPeak = Math.round((peakRssKb(loft.pid) ?? 0) / 102.4) / 10;
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
    mailbox,
    rows,
    memory,
    clientNofile: nofile,
    loftLifetimePeakRssMb: loftPeak,
    notes,
  };
}
