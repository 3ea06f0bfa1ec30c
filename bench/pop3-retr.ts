/**
 * The POP3 benchmark: Loft and a Dovecot instance side by side over the same maildrop, by the
 * same client. One user's INBOX is filled with `messages` messages of about 5 KB by SMTP to
 * Loft; the very bytes Loft stored are then written as Maildir files for Dovecot. Each session
 * logs in, runs STAT, UIDL and LIST, retrieves every message (pipelined, and one at a time),
 * and quits without deleting, so the maildrop stays the same for every session.
 *
 * The first session of each server is reported apart (Dovecot builds its index then, and both
 * servers store \Seen for every message); later sessions are the steady state.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DovecotServer, dovecotUnavailable, dovecotVersion } from './lib/dovecot-server.ts';
import { type HostInfo, hostInfo } from './lib/host.ts';
import { type GeneratorName, runLoad, smtpSourceAvailable } from './lib/load.ts';
import { DEFAULT_PASSWORD, LoftServer } from './lib/loft-server.ts';
import { medianPop3Rows, type Pop3Phase, type Pop3Row } from './lib/pop3-report.ts';
import { runPop3Session } from './lib/pop3-session.ts';
import { MemorySampler, peakRssKb, treeCpuSeconds } from './lib/procfs.ts';

export const POP3_SERVER_NAMES = ['loft', 'dovecot'] as const;
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
  log: (line: string) => void;
}

export interface Pop3Result {
  host: HostInfo;
  dovecot: string | undefined;
  generator: GeneratorName;
  /** Messages in the maildrop and their average size in octets. */
  /** `indexSeconds`: how long Loft's background search indexing of the maildrop took after the fill. */
  maildrop: { messages: number; averageOctets: number; fillSeconds: number; indexSeconds: number };
  rows: Pop3Row[];
  /** Every verified session, of both servers, retrieved the same set of messages (same digest). */
  sameContent: boolean | undefined;
  loftLifetimePeakRssMb: number | undefined;
  notes: string[];
}

const DOMAIN = 'bench.test';
const ADDRESS = `u1@${DOMAIN}`;
const SAMPLE_MS = 100;

/** A server under test, as the measuring loop sees it. */
interface Target {
  name: Pop3ServerName;
  port: number;
  rootPid(): number | undefined;
  /** Resolves once the server has finished with a session that was quit (its processes reaped). */
  settle(): Promise<void>;
}

const mb = (kb: number | undefined): number | undefined =>
  kb === undefined ? undefined : Math.round(kb / 102.4) / 10;

/** Runs one timed session against `target` and turns it into a row. */
async function measure(target: Target, phase: Pop3Phase, depth: number, expected: number): Promise<Pop3Row> {
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
  const cpu0 = treeCpuSeconds(pid);
  sampler.start(SAMPLE_MS);
  const session = await runPop3Session({
    port: target.port,
    user: ADDRESS,
    password: DEFAULT_PASSWORD,
    depth,
    expectedMessages: expected,
    timeoutMs: 120_000,
  });
  await target.settle();
  const cpu1 = treeCpuSeconds(pid);
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

function chooseGenerator(options: Pop3Options): GeneratorName {
  if (options.generator === 'node') return 'node';
  if (smtpSourceAvailable()) return 'smtp-source';
  if (options.generator === 'smtp-source')
    throw new Error('smtp-source is not installed (run bench/setup.sh)');
  return 'node';
}

/** Fills Loft's INBOX by SMTP (connections reused, several at once) and checks every message is stored. */
async function fill(loft: LoftServer, options: Pop3Options, generator: GeneratorName): Promise<number> {
  const started = process.hrtime.bigint();
  const load = await runLoad(generator, {
    port: loft.port,
    sessions: Math.min(8, options.messages),
    messages: options.messages,
    payloadBytes: options.payloadBytes,
    from: `sender@client.${DOMAIN}`,
    to: ADDRESS,
    helo: `client.${DOMAIN}`,
    reuseConnections: true,
    timeoutMs: 120_000 + options.messages * 100,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const stored = loft.countStored();
  if (load.failed > 0 || load.accepted !== options.messages || stored !== options.messages) {
    throw new Error(
      `filling the maildrop: ${load.accepted} of ${options.messages} accepted, ${stored} stored${load.errors.length > 0 ? ` (${load.errors.join('; ')})` : ''}`,
    );
  }
  return seconds;
}

/** Runs the benchmark: fills the maildrop, starts the servers, measures every session, stops them. */
export async function runPop3(options: Pop3Options): Promise<Pop3Result> {
  const notes: string[] = [];
  const generator = chooseGenerator(options);
  const root = mkdtempSync(path.join(os.tmpdir(), 'loft-bench-pop3-'));
  chmodSync(root, 0o755); // Dovecot's unprivileged processes must reach their files below
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

  const rows: Pop3Row[] = [];
  const maildrop = { messages: options.messages, averageOctets: 0, fillSeconds: 0, indexSeconds: 0 };
  let loftPeak: number | undefined;
  let failed = false;
  try {
    // Loft always runs: it is where the maildrop's bytes come from, even when only Dovecot is measured.
    const loftDir = path.join(root, 'loft');
    mkdirSync(loftDir);
    const startingLoft = LoftServer.start({ root: loftDir, domain: DOMAIN, users: [ADDRESS], pop3: true });
    let startingDovecot: Promise<DovecotServer> | undefined;
    if (options.servers.includes('dovecot')) {
      const why = dovecotUnavailable();
      if (why) notes.push(`Dovecot skipped: ${why}`);
      else
        startingDovecot = DovecotServer.start({
          root: path.join(root, 'dovecot'),
          user: ADDRESS,
          password: DEFAULT_PASSWORD,
        });
    }
    const [loftStart, dovecotStart] = await Promise.allSettled([startingLoft, startingDovecot]);
    if (loftStart.status === 'fulfilled') {
      loft = loftStart.value;
      options.log(`loft: pid ${loft.pid}, POP3 127.0.0.1:${loft.pop3Port}, data ${loft.dataDir}`);
    } else throw loftStart.reason;
    if (dovecotStart.status === 'fulfilled' && dovecotStart.value) {
      dovecot = dovecotStart.value;
      options.log(
        `dovecot: master pid ${dovecot.masterPid()}, POP3 127.0.0.1:${dovecot.port}, instance ${dovecot.root}`,
      );
    } else if (dovecotStart.status === 'rejected') {
      failed = true;
      notes.push(`could not start Dovecot: ${(dovecotStart.reason as Error).message}`);
    }

    options.log(
      `filling the maildrop: ${options.messages} messages by SMTP to Loft (${generator}, connections reused)…`,
    );
    maildrop.fillSeconds = await fill(loft, options, generator);
    // Loft indexes new mail for IMAP SEARCH in the background; let it finish, so that no session
    // of either server is measured while Loft is still indexing.
    const indexStart = process.hrtime.bigint();
    if (!(await loft.waitIndexed(options.messages, 600_000))) {
      throw new Error("Loft's search index did not catch up with the maildrop within 10 minutes");
    }
    maildrop.indexSeconds = Number(process.hrtime.bigint() - indexStart) / 1e9;
    const messages = loft.readInbox(ADDRESS);
    if (messages.length !== options.messages) {
      throw new Error(`${messages.length} messages in Loft's INBOX, expected ${options.messages}`);
    }
    maildrop.averageOctets = Math.round(messages.reduce((sum, m) => sum + m.length, 0) / messages.length);
    if (dovecot) dovecot.deliver(messages);
    options.log(
      `  ${options.messages} messages of ${maildrop.averageOctets} octets on average, in ${maildrop.fillSeconds.toFixed(1)} s` +
        ` (search-indexed ${maildrop.indexSeconds.toFixed(1)} s later)` +
        `${dovecot ? '; the same bytes written to the Dovecot Maildir' : ''}`,
    );

    const targets: Target[] = [];
    if (options.servers.includes('loft')) {
      const l = loft;
      targets.push({
        name: 'loft',
        port: l.pop3Port!,
        rootPid: () => (l.running ? l.pid : undefined),
        settle: async () => undefined,
      });
    }
    if (dovecot) {
      const d = dovecot;
      targets.push({
        name: 'dovecot',
        port: d.port,
        rootPid: () => d.masterPid(),
        settle: async () => {
          if (!(await d.waitSessionsEnded(10_000)))
            notes.push('a Dovecot session process outlived its QUIT by 10 s');
        },
      });
    }

    const run = async (target: Target, phase: Pop3Phase, depth: number, label: string): Promise<Pop3Row> => {
      options.log(`${target.name}: ${label}…`);
      const row = await measure(target, phase, depth, options.messages);
      options.log(
        `  login ${row.loginMs.toFixed(1)} ms, RETR ${row.messages} in ${row.retrSeconds.toFixed(2)} s = ${row.perSecond.toFixed(0)} msg/s${row.error ? ` (${row.error})` : ''}`,
      );
      return row;
    };
    // The first session of each server, on the freshly filled maildrop.
    for (const target of targets) {
      rows.push(await run(target, 'first', options.depth, `first session, ${options.depth} RETRs pipelined`));
    }
    // Later sessions: servers take turns within each round, so a change in the machine's load hits both.
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
    if (loft.running) loftPeak = mb(peakRssKb(loft.pid));
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

  const digests = new Set(rows.filter((r) => r.verified).map((r) => r.contentDigest));
  const sameContent = digests.size === 0 ? undefined : digests.size === 1;
  if (sameContent === false)
    notes.push('the servers did not serve the same messages (content digests differ)');
  return {
    host,
    dovecot: dovecotVersion(),
    generator,
    maildrop,
    rows,
    sameContent,
    loftLifetimePeakRssMb: loftPeak,
    notes,
  };
}
