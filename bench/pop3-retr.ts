/**
 * The POP3 benchmark: Loft (on SQLite, and as `loft-pg` on PostgreSQL) and a Dovecot instance
 * side by side over the same maildrop, by the same client. One user's INBOX is filled with
 * `messages` messages of about 5 KB by SMTP to each Loft; the very bytes the first Loft stored
 * are then written as Maildir files for Dovecot. Each session (bench/lib/pop3-measure.ts) logs
 * in, runs STAT, UIDL and LIST, retrieves every message (pipelined, and one at a time), and
 * quits without deleting, so the maildrop stays the same for every session.
 *
 * The first session of each server is reported apart (Dovecot builds its index then, and both
 * servers store \Seen for every message); later sessions are the steady state. Before the first
 * sessions the client downloads the maildrop once from a responder in this process, so that its
 * own warm-up is charged to no server (bench/lib/pop3-warmup.ts).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DovecotServer, dovecotUnavailable, dovecotVersion } from './lib/dovecot-server.ts';
import { type HostInfo, hostInfo } from './lib/host.ts';
import { type GeneratorName, smtpSourceAvailable } from './lib/load.ts';
import { type LoftBackend, prepareBackend } from './lib/loft-backend.ts';
import { LOFT_SERVERS, type LoftServerName } from './lib/loft-names.ts';
import { DEFAULT_PASSWORD, LoftServer } from './lib/loft-server.ts';
import { fillMaildrop } from './lib/pop3-fill.ts';
import { dovecotTarget, loftTarget, measureSession, type Pop3Target } from './lib/pop3-measure.ts';
import { medianPop3Rows, type Pop3Phase, type Pop3Row } from './lib/pop3-report.ts';
import { maildropDigest } from './lib/pop3-session.ts';
import { warmUpClient } from './lib/pop3-warmup.ts';
import { peakRssKb } from './lib/procfs.ts';

export const POP3_SERVER_NAMES = [...LOFT_SERVERS, 'dovecot'] as const;
export type Pop3ServerName = (typeof POP3_SERVER_NAMES)[number];

/** The maildrop of the issue: 10,000 messages of about 5 KB. */
export const POP3_MESSAGES = 10_000;
export const POP3_QUICK_MESSAGES = 500;
/** Body octets per message; the generator's header lines and Loft's Received field come on top. */
export const POP3_PAYLOAD_BYTES = 4800;
export const POP3_DEPTH = 32;

export interface Pop3Options {
  servers: Pop3ServerName[];
  /** Messages in the maildrop. */
  messages: number;
  /** Body octets of each message. */
  payloadBytes: number;
  /** RETR commands outstanding at once in the pipelined sessions. */
  depth: number;
  /** Also measure sessions that send each RETR after the previous reply. */
  oneAtATime: boolean;
  /** Runs of each later-session row, servers taking turns; the row reported is the median. */
  repeat: number;
  generator: 'auto' | GeneratorName;
  /** Keep the temporary folder (Loft's data, the Dovecot instance) for inspection. */
  keep: boolean;
  /** The PostgreSQL database of `loft-pg` (a schema of its own per run, dropped at the end). */
  postgres: string;
  log: (line: string) => void;
}

/** How one Loft's maildrop was filled. */
export interface Pop3Loading {
  server: LoftServerName;
  /** By SMTP, first connection to last 250. */
  fillSeconds: number;
  /** From the last 250 until Loft's search backlog was empty. */
  indexSeconds: number;
}

export interface Pop3Result {
  host: HostInfo;
  dovecot: string | undefined;
  /** The PostgreSQL server's version when `loft-pg` ran. */
  postgres: string | undefined;
  generator: GeneratorName;
  /** Messages in the maildrop and their average size in octets (as the first Loft stored them). */
  maildrop: { messages: number; averageOctets: number };
  /** Each Loft's fill, in order (Dovecot's Maildir gets the first one's bytes). */
  loading: Pop3Loading[];
  rows: Pop3Row[];
  /**
   * Every verified session retrieved exactly the messages its server was given (the same digest
   * as the bytes stored: Loft's own, and for Dovecot the first Loft's, written to its Maildir).
   */
  sameContent: boolean | undefined;
  /** VmHWM of each Loft process over the whole run, filling included, in MB. */
  loftLifetimePeakRssMb: Partial<Record<LoftServerName, number>>;
  notes: string[];
}

const DOMAIN = 'bench.test';
const ADDRESS = `u1@${DOMAIN}`;

const mb = (kb: number | undefined): number | undefined =>
  kb === undefined ? undefined : Math.round(kb / 102.4) / 10;

function chooseGenerator(options: Pop3Options): GeneratorName {
  if (options.generator === 'node') return 'node';
  if (smtpSourceAvailable()) return 'smtp-source';
  if (options.generator === 'smtp-source')
    throw new Error('smtp-source is not installed (run bench/setup.sh)');
  return 'node';
}

/** A running Loft of the benchmark, on one backend. */
interface RunningLoft {
  name: LoftServerName;
  backend: LoftBackend;
  server: LoftServer;
  /** Measured, or only the source of Dovecot's maildrop. */
  measured: boolean;
}

/** The Lofts to run: those measured, or SQLite's alone as the source of Dovecot's maildrop. */
function loftsToRun(servers: readonly Pop3ServerName[]): { name: LoftServerName; measured: boolean }[] {
  const measured = LOFT_SERVERS.filter((name) => servers.includes(name));
  if (measured.length > 0) return measured.map((name) => ({ name, measured: true }));
  return servers.includes('dovecot') ? [{ name: 'loft', measured: false }] : [];
}

/** Runs the benchmark: fills the maildrops, starts the servers, measures every session, stops them. */
export async function runPop3(options: Pop3Options): Promise<Pop3Result> {
  const notes: string[] = [];
  const generator = chooseGenerator(options);
  const root = mkdtempSync(path.join(os.tmpdir(), 'loft-bench-pop3-'));
  chmodSync(root, 0o755); // Dovecot's unprivileged processes must reach their files below
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

  const rows: Pop3Row[] = [];
  const maildrop = { messages: options.messages, averageOctets: 0 };
  const loading: Pop3Loading[] = [];
  const expectedDigest = new Map<Pop3ServerName, string>();
  const loftPeak: Partial<Record<LoftServerName, number>> = {};
  let postgresVersion: string | undefined;
  let failed = false;
  let clientWarmUp: Buffer[] | undefined;
  try {
    const startLoft = async (name: LoftServerName, measured: boolean): Promise<RunningLoft> => {
      const backend = await prepareBackend(name, options.postgres);
      backends.push(backend);
      postgresVersion ??= backend.postgresVersion;
      const dir = path.join(root, name);
      mkdirSync(dir);
      const server = await LoftServer.start({
        root: dir,
        domain: DOMAIN,
        users: [ADDRESS],
        pop3: true,
        storage: backend.storage,
      });
      options.log(`${name}: pid ${server.pid}, POP3 127.0.0.1:${server.pop3Port}, ${backend.description}`);
      return { name, backend, server, measured };
    };
    const starting: Promise<unknown>[] = loftsToRun(options.servers).map(({ name, measured }) =>
      startLoft(name, measured).then(
        (loft) => lofts.push(loft),
        (err: Error) => {
          if (name === 'loft-pg' && backends.every((b) => b.name !== 'loft-pg'))
            notes.push(`Loft on PostgreSQL skipped: ${options.postgres} does not answer (${err.message})`);
          else throw err;
        },
      ),
    );
    if (options.servers.includes('dovecot')) {
      const why = dovecotUnavailable();
      if (why) notes.push(`Dovecot skipped: ${why}`);
      else
        starting.push(
          DovecotServer.start({
            root: path.join(root, 'dovecot'),
            user: ADDRESS,
            password: DEFAULT_PASSWORD,
          }).then(
            (d) => {
              dovecot = d;
              options.log(
                `dovecot: master pid ${d.masterPid()}, POP3 127.0.0.1:${d.port}, instance ${d.root}`,
              );
            },
            (err: Error) => {
              failed = true;
              notes.push(`could not start Dovecot: ${err.message}`);
            },
          ),
        );
    }
    const started = await Promise.allSettled(starting);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    lofts.sort((a, b) => LOFT_SERVERS.indexOf(a.name) - LOFT_SERVERS.indexOf(b.name));
    if (lofts.length === 0) throw new Error('no Loft to fill the maildrop in');

    for (const loft of lofts) {
      options.log(
        `${loft.name}: filling the maildrop: ${options.messages} messages by SMTP (${generator}, connections reused)…`,
      );
      const filled = await fillMaildrop(loft.server, {
        messages: options.messages,
        payloadBytes: options.payloadBytes,
        generator,
        address: ADDRESS,
        domain: DOMAIN,
      });
      loading.push({ server: loft.name, fillSeconds: filled.fillSeconds, indexSeconds: filled.indexSeconds });
      const digest = maildropDigest(filled.messages);
      if (loft.measured) expectedDigest.set(loft.name, digest);
      const average = Math.round(
        filled.messages.reduce((sum, m) => sum + m.length, 0) / filled.messages.length,
      );
      const first = loft === lofts[0];
      if (first) {
        maildrop.averageOctets = average;
        clientWarmUp = filled.messages;
      }
      // Dovecot serves the very bytes the first Loft stored.
      if (first && dovecot) {
        dovecot.deliver(filled.messages);
        expectedDigest.set('dovecot', digest);
      }
      options.log(
        `  ${options.messages} messages of ${average} octets on average, in ${filled.fillSeconds.toFixed(1)} s` +
          ` (search-indexed ${filled.indexSeconds.toFixed(1)} s later)` +
          `${first && dovecot ? '; the same bytes written to the Dovecot Maildir' : ''}`,
      );
    }

    const targets: Pop3Target[] = lofts.filter((l) => l.measured).map((l) => loftTarget(l.name, l.server));
    if (dovecot) targets.push(dovecotTarget(dovecot, notes));

    const run = async (
      target: Pop3Target,
      phase: Pop3Phase,
      depth: number,
      label: string,
    ): Promise<Pop3Row> => {
      options.log(`${target.name}: ${label}…`);
      const row = await measureSession(target, { phase, depth, expected: options.messages, user: ADDRESS });
      options.log(
        `  login ${row.loginMs.toFixed(1)} ms, RETR ${row.messages} in ${row.retrSeconds.toFixed(2)} s = ${row.perSecond.toFixed(0)} msg/s${row.error ? ` (${row.error})` : ''}`,
      );
      return row;
    };
    // The client (in this process) downloads the maildrop once from a responder of its own
    // first, so that its own warm-up is charged to no server (lib/pop3-warmup.ts).
    if (clientWarmUp) {
      options.log('warming up the POP3 client (a download from a responder in this process)…');
      await warmUpClient(clientWarmUp, options.depth);
    }
    // The first session of each server, on the freshly filled maildrop.
    for (const target of targets) {
      rows.push(await run(target, 'first', options.depth, `first session, ${options.depth} RETRs pipelined`));
    }
    // Later sessions: servers take turns within each round, so a change in the machine's load hits all.
    const depths = options.oneAtATime && options.depth !== 1 ? [options.depth, 1] : [options.depth];
    const later: Pop3Row[] = [];
    for (let round = 1; round <= options.repeat; round++) {
      const which = options.repeat > 1 ? ` (run ${round}/${options.repeat})` : '';
      for (const depth of depths) {
        for (const target of targets) {
          const mode = depth === 1 ? 'one RETR at a time' : `${depth} RETRs pipelined`;
          later.push(await run(target, 'later', depth, `later session, ${mode}${which}`));
        }
      }
    }
    rows.push(...medianPop3Rows(later));
    for (const loft of lofts) {
      const peak = loft.server.running ? mb(peakRssKb(loft.server.pid)) : undefined;
      if (peak !== undefined) loftPeak[loft.name] = peak;
    }
  } catch (err) {
    failed = true;
    notes.push(`the benchmark stopped: ${(err as Error).message}`);
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (options.keep || failed || rows.some((r) => !r.verified))
      notes.push(`temporary folder kept for inspection: ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }

  const checked = rows.filter((r) => r.verified);
  const sameContent =
    checked.length === 0 ? undefined : checked.every((r) => r.contentDigest === expectedDigest.get(r.server));
  if (sameContent === false)
    notes.push('a session did not retrieve the messages its server was given (content digests differ)');
  return {
    host,
    dovecot: dovecotVersion(),
    postgres: postgresVersion,
    generator,
    maildrop,
    loading,
    rows,
    sameContent,
    loftLifetimePeakRssMb: loftPeak,
    notes,
  };
}
