/**
 * The SMTP acceptance benchmark: Loft (on SQLite, and as `loft-pg` on PostgreSQL) and a Postfix
 * instance side by side, driven by the same load generator (Postfix's smtp-source), N concurrent
 * sessions sending messages of a given size.
 *
 * Loft answers 250 only after the message is durably in the recipient's INBOX, so its rate is
 * counted at the 250s and checked against the rows of `messages` in its database. Postfix
 * answers 250 once the message is durably in its queue and delivers to the Maildir afterwards:
 * both its acceptance rate (until the last 250) and its delivered rate (until the queue is empty
 * and every message is a Maildir file) are reported.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type HostInfo, hostInfo } from './lib/host.ts';
import { type GeneratorName, type LoadSpec, runLoad, smtpSourceAvailable } from './lib/load.ts';
import { LOFT_SERVERS, type LoftServerName } from './lib/loft-names.ts';
import { LoftServer } from './lib/loft-server.ts';
import { PostfixServer, postfixUnavailable } from './lib/postfix-server.ts';
import { BenchSchema } from './lib/postgres.ts';
import { MemorySampler, peakRssKb, treeCpuSeconds } from './lib/procfs.ts';
import { type Measure, medianRows, messageCount, type SmtpAcceptRow, warmupCount } from './lib/rows.ts';

export const SERVER_NAMES = [...LOFT_SERVERS, 'postfix'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

export interface SmtpAcceptOptions {
  servers: ServerName[];
  /** Message body sizes in octets (smtp-source -l; a few header lines come on top). */
  sizes: number[];
  concurrencies: number[];
  /** Multiplies the message counts. */
  scale: number;
  /** Small counts for a smoke run of a few seconds. */
  quick: boolean;
  generator: 'auto' | GeneratorName;
  /** Keep each session's connection for several messages (smtp-source -d) instead of one per message. */
  reuseConnections: boolean;
  /** Runs of each row; the row reported is the one with the median rate. */
  repeat: number;
  /** Keep the temporary folder (data, logs, Postfix instance) for inspection. */
  keep: boolean;
  /** The PostgreSQL database of `loft-pg` (a schema of its own per run, dropped at the end). */
  postgres: string;
  log: (line: string) => void;
}

export interface SmtpAcceptResult {
  host: HostInfo;
  generator: GeneratorName;
  /** The PostgreSQL server's version when `loft-pg` ran. */
  postgres: string | undefined;
  rows: SmtpAcceptRow[];
  /** Loft's VmHWM over its whole life (all rows and warm-ups), in MB: on SQLite, and on PostgreSQL. */
  loftLifetimePeakRssMb: number | undefined;
  loftPgLifetimePeakRssMb: number | undefined;
  notes: string[];
}

const DOMAIN = 'bench.test';
const USER = 'u1';
const SENDER = 'sender@client.bench.test';
const HELO = 'client.bench.test';
const SAMPLE_MS = 250;

/** A server under test, as the measuring loop sees it. */
interface Target {
  name: ServerName;
  port: number;
  rootPid(): number | undefined;
  /** CPU seconds of the server so far (its process tree; loft-pg: with its database backends). */
  cpuSeconds(): number;
  /** Messages durably stored so far (Loft: rows of `messages`; Postfix: Maildir files). */
  stored(): Promise<number>;
  alive(): boolean;
  /** What its 250 means: Loft's is "stored", Postfix's "queued". */
  ackMeasure: Measure;
  /**
   * The work each server finishes after the 250 (Postfix: delivery to the Maildir; Loft: the
   * search index), and a wait until it is done for `expected` stored messages.
   */
  drainMeasure: Measure;
  drain(expected: number, timeoutMs: number): Promise<boolean>;
}

function loftTarget(name: LoftServerName, server: LoftServer): Target {
  return {
    name,
    port: server.port,
    rootPid: () => (server.running ? server.pid : undefined),
    cpuSeconds: () => server.cpuSeconds(),
    stored: () => server.countStored(),
    alive: () => server.running,
    ackMeasure: 'stored',
    drainMeasure: 'indexed',
    drain: (expected, timeoutMs) => server.waitIndexed(expected, timeoutMs),
  };
}

function postfixTarget(server: PostfixServer): Target {
  return {
    name: 'postfix',
    port: server.port,
    rootPid: () => server.masterPid(),
    cpuSeconds: () => {
      const pid = server.masterPid();
      return pid === undefined ? 0 : treeCpuSeconds(pid);
    },
    stored: async () => server.countDelivered(),
    alive: () => server.masterPid() !== undefined,
    ackMeasure: 'queued',
    drainMeasure: 'delivered',
    drain: (expected, timeoutMs) => server.waitDelivered(expected, timeoutMs),
  };
}

interface RowPlan {
  payloadBytes: number;
  concurrency: number;
  messages: number;
  warmup: number;
}

const mb = (kb: number | undefined): number | undefined =>
  kb === undefined ? undefined : Math.round(kb / 102.4) / 10;

/** Sends warm-up mail, then measures one row (two for Postfix: queued and delivered). */
async function measure(
  target: Target,
  plan: RowPlan,
  generator: GeneratorName,
  options: SmtpAcceptOptions,
): Promise<SmtpAcceptRow[]> {
  const connection = options.reuseConnections ? 'reused' : 'new';
  const spec = (messages: number, sessions: number): LoadSpec => ({
    port: target.port,
    sessions,
    messages,
    payloadBytes: plan.payloadBytes,
    from: SENDER,
    to: `${USER}@${DOMAIN}`,
    helo: HELO,
    reuseConnections: options.reuseConnections,
    timeoutMs: 120_000 + messages * 200,
  });
  const base = {
    server: target.name,
    payloadBytes: plan.payloadBytes,
    concurrency: plan.concurrency,
    connection,
    generator,
    attempted: plan.messages,
  } as const;
  const failed = (error: string): SmtpAcceptRow[] => [
    {
      ...base,
      measure: target.ackMeasure,
      messages: 0,
      seconds: 0,
      perSecond: 0,
      cpuMsPerMessage: 0,
      peakRssMb: 0,
      peakPssMb: undefined,
      peakProcesses: 0,
      verified: false,
      runs: [],
      error,
    },
  ];

  const pid = target.rootPid();
  if (pid === undefined || !target.alive()) return failed(`${target.name} is not running`);

  const beforeWarm = await target.stored();
  const warm = await runLoad(generator, spec(plan.warmup, Math.min(plan.concurrency, plan.warmup)));
  if (warm.failed > 0) return failed(`warm-up: ${warm.errors.join('; ')}`);
  // Let the warm-up's background work finish before measuring.
  if (!(await target.drain(beforeWarm + warm.accepted, 60_000))) {
    return failed(`the warm-up messages were not ${target.drainMeasure} within 60 s`);
  }
  await sleep(100);

  const before = await target.stored();
  const sampler = new MemorySampler(pid, true);
  const cpu0 = target.cpuSeconds();
  sampler.start(SAMPLE_MS);
  const started = process.hrtime.bigint();
  const load = await runLoad(generator, spec(plan.messages, plan.concurrency));
  const cpu1 = target.cpuSeconds();
  const peakAtAck = { rss: sampler.peakRssKb, pss: sampler.peakPssKb, processes: sampler.peakProcesses };
  const loadError = load.errors.length > 0 ? load.errors.join('; ') : undefined;
  // Loft's 250 means stored: the rows must be there now, before any background work.
  const storedAtAck = target.ackMeasure === 'stored' ? (await target.stored()) - before : undefined;
  const ackOk = load.failed === 0 && (storedAtAck === undefined || storedAtAck === load.accepted);
  const perMessage = (cpu: number, n: number): number => (n > 0 ? (cpu * 1000) / n : 0);

  const drained = await target.drain(before + load.accepted, 120_000 + load.accepted * 100);
  const deliveredSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu2 = target.cpuSeconds();
  sampler.stop();
  const delivered = (await target.stored()) - before;
  const deliveredOk = drained && delivered === load.accepted && load.failed === 0;
  return [
    {
      ...base,
      measure: target.ackMeasure,
      messages: load.accepted,
      seconds: load.seconds,
      perSecond: load.accepted / load.seconds,
      cpuMsPerMessage: perMessage(cpu1 - cpu0, load.accepted),
      peakRssMb: mb(peakAtAck.rss) ?? 0,
      peakPssMb: mb(peakAtAck.pss),
      peakProcesses: peakAtAck.processes,
      verified: ackOk,
      runs: [],
      ...(ackOk
        ? {}
        : { error: loadError ?? `${storedAtAck} messages stored for ${load.accepted} replies 250` }),
    },
    {
      ...base,
      measure: target.drainMeasure,
      messages: delivered,
      seconds: deliveredSeconds,
      perSecond: delivered / deliveredSeconds,
      cpuMsPerMessage: perMessage(cpu2 - cpu0, delivered),
      peakRssMb: mb(sampler.peakRssKb) ?? 0,
      peakPssMb: mb(sampler.peakPssKb),
      peakProcesses: sampler.peakProcesses,
      verified: deliveredOk,
      runs: [],
      ...(deliveredOk
        ? {}
        : {
            error:
              loadError ??
              `${delivered} messages stored for ${load.accepted} replies 250${drained ? '' : ` (not ${target.drainMeasure} in time)`}`,
          }),
    },
  ];
}

/** Picks the load generator: smtp-source unless absent or another is asked for. */
function chooseGenerator(options: SmtpAcceptOptions, notes: string[]): GeneratorName {
  if (options.generator === 'node') return 'node';
  if (smtpSourceAvailable()) return 'smtp-source';
  if (options.generator === 'smtp-source')
    throw new Error('smtp-source is not installed (run bench/setup.sh)');
  notes.push(
    "smtp-source is missing: Loft's own in-Node load generator was used instead, so these figures are not the headline comparison",
  );
  return 'node';
}

/** Runs the benchmark: starts the servers, measures every (size, concurrency), stops them. */
export async function runSmtpAccept(options: SmtpAcceptOptions): Promise<SmtpAcceptResult> {
  const notes: string[] = [];
  const generator = chooseGenerator(options, notes);
  const root = mkdtempSync(path.join(os.tmpdir(), 'loft-bench-'));
  chmodSync(root, 0o755); // Postfix's delivery agent (running as nobody) must reach its Maildir below
  const host = hostInfo(root);
  let loft: LoftServer | undefined;
  let loftPg: LoftServer | undefined;
  let schema: BenchSchema | undefined;
  let postfix: PostfixServer | undefined;
  const cleanup = async (): Promise<void> => {
    await Promise.allSettled([loft?.stop(), loftPg?.stop(), postfix?.stop()]);
    await schema
      ?.drop()
      .catch((err: Error) => notes.push(`could not drop schema ${schema?.name}: ${err.message}`));
    schema = undefined;
  };
  const onSignal = (): void => {
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const rows: SmtpAcceptRow[] = [];
  let loftPeak: number | undefined;
  let loftPgPeak: number | undefined;
  let postgresVersion: string | undefined;
  let startFailed = false;
  try {
    const targets: Target[] = [];
    const starting: Promise<void>[] = [];
    if (options.servers.includes('loft')) {
      const dir = path.join(root, 'loft');
      mkdirSync(dir);
      starting.push(
        LoftServer.start({ root: dir, domain: DOMAIN, users: [`${USER}@${DOMAIN}`] }).then((s) => {
          loft = s;
          options.log(`loft: pid ${s.pid}, 127.0.0.1:${s.port}, data ${s.dataDir}`);
        }),
      );
    }
    if (options.servers.includes('loft-pg')) {
      const dir = path.join(root, 'loft-pg');
      mkdirSync(dir);
      starting.push(
        BenchSchema.create(options.postgres).then(
          async (created) => {
            schema = created;
            postgresVersion = created.serverVersion;
            const s = await LoftServer.start({
              root: dir,
              domain: DOMAIN,
              users: [`${USER}@${DOMAIN}`],
              storage: created.storage,
            });
            loftPg = s;
            options.log(`loft-pg: pid ${s.pid}, 127.0.0.1:${s.port}, PostgreSQL schema ${created.name}`);
          },
          (err: Error) => {
            notes.push(`Loft on PostgreSQL skipped: ${options.postgres} does not answer (${err.message})`);
          },
        ),
      );
    }
    if (options.servers.includes('postfix')) {
      const why = postfixUnavailable();
      if (why) notes.push(`Postfix skipped: ${why}`);
      else {
        const dir = path.join(root, 'postfix');
        mkdirSync(dir);
        starting.push(
          PostfixServer.start({ root: dir, domain: DOMAIN, users: [USER] }).then((s) => {
            postfix = s;
            options.log(`postfix: master pid ${s.masterPid()}, 127.0.0.1:${s.port}, instance ${s.root}`);
          }),
        );
      }
    }
    for (const result of await Promise.allSettled(starting)) {
      if (result.status === 'rejected') {
        startFailed = true;
        notes.push(`could not start: ${(result.reason as Error).message}`);
      }
    }
    if (loft) targets.push(loftTarget('loft', loft));
    if (loftPg) targets.push(loftTarget('loft-pg', loftPg));
    if (postfix) targets.push(postfixTarget(postfix));

    for (const payloadBytes of options.sizes) {
      for (const concurrency of options.concurrencies) {
        const plan: RowPlan = {
          payloadBytes,
          concurrency,
          messages: messageCount(concurrency, options.scale, options.quick),
          warmup: warmupCount(concurrency, options.quick),
        };
        const repeats: SmtpAcceptRow[] = [];
        // Servers take turns within each repeat, so a change in the machine's load hits both.
        for (let round = 1; round <= options.repeat; round++) {
          for (const target of targets) {
            const which = options.repeat > 1 ? ` (run ${round}/${options.repeat})` : '';
            options.log(`${target.name}: ${plan.messages} × ${payloadBytes} B at c=${concurrency}${which}…`);
            const measured = await measure(target, plan, generator, options);
            for (const row of measured) {
              options.log(
                `  ${row.measure}: ${row.messages} in ${row.seconds.toFixed(2)} s = ${row.perSecond.toFixed(1)} msg/s${row.error ? ` (${row.error})` : ''}`,
              );
            }
            repeats.push(...measured);
          }
        }
        rows.push(...medianRows(repeats));
      }
    }
    if (loft?.running) loftPeak = mb(peakRssKb(loft.pid));
    if (loftPg?.running) loftPgPeak = mb(peakRssKb(loftPg.pid));
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    const failedRows = rows.some((r) => !r.verified);
    if (options.keep || failedRows || startFailed)
      notes.push(`temporary folder kept for inspection: ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
  return {
    host,
    generator,
    postgres: postgresVersion,
    rows,
    loftLifetimePeakRssMb: loftPeak,
    loftPgLifetimePeakRssMb: loftPgPeak,
    notes,
  };
}
