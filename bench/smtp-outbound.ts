/**
 * The outbound benchmark (issue 5): N queued messages (10,000 by default) delivered to a local
 * SMTP sink with reused connections, by Loft's queue runner and by Postfix relaying the same
 * messages to the same sink. Reports messages/s, CPU and peak memory, and checks that the sink
 * got every message exactly once.
 *
 * Loft: the messages are queued once through Loft's own delivery point into a data folder (no
 * runner running) and held; each run serves a copy of it with `loft serve`, the runner pointed at
 * the sink (`queue.port`; the recipient `sink@[127.0.0.1]` needs no DNS); once Loft is up, the
 * clock runs from their release (`loft queue retry`'s store call) until the sink has every message
 * and the queue is empty (bench/lib/outbound-loft.ts).
 * Postfix: the benchmark's own instance (bench/lib/postfix-relay.ts) relays to the sink
 * (`relayhost`); before each run the messages are accepted by its smtpd and held; the clock runs
 * from their release until the sink has every message and the queue is empty.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type HostInfo, hostInfo } from './lib/host.ts';
import type { LoftServer } from './lib/loft-server.ts';
import { copyQueued, queuedIn, queueForLoft, releaseLoftQueue, startLoftRelay } from './lib/outbound-loft.ts';
import { medianOutboundRows, type OutboundRow, type OutboundServerName } from './lib/outbound-report.ts';
import { PostfixRelay } from './lib/postfix-relay.ts';
import { postfixUnavailable } from './lib/postfix-server.ts';
import { MemorySampler, peakRssKb, treeCpuSeconds } from './lib/procfs.ts';
import { checkExactlyOnce, type Sink, startSink } from './lib/sink.ts';

export { OUTBOUND_SERVER_NAMES, type OutboundServerName } from './lib/outbound-report.ts';

export const OUTBOUND_MESSAGES = 10_000;
export const OUTBOUND_QUICK_MESSAGES = 500;
/** Body octets of each message (a few header lines come on top). */
export const OUTBOUND_PAYLOAD_BYTES = 5 * 1024;
/** Connections to the sink at once, for both servers. */
export const OUTBOUND_CONCURRENCY = 20;
const SAMPLE_MS = 250;

export interface OutboundOptions {
  servers: OutboundServerName[];
  messages: number;
  /** Runs per server, servers taking turns; the row reported is the median run. */
  repeat: number;
  /** Keep the temporary folder (data, logs, Postfix instance). */
  keep: boolean;
  /** Run Loft under `node --cpu-prof`; the profiles are kept in the temporary folder. */
  profile: boolean;
  log: (line: string) => void;
}

export interface OutboundResult {
  host: HostInfo;
  messages: number;
  payloadBytes: number;
  concurrency: number;
  rows: OutboundRow[];
  /** Time to queue the messages for Loft (once) and for Postfix (each run), in s. */
  loftQueueSeconds: number | undefined;
  postfixFillSeconds: number[];
  notes: string[];
}

/** The Message-ID of message `index`, without brackets. */
export function outboundId(index: number): string {
  return `${index}.outbound@bench.test`;
}

/** Message `index`: a few header fields and `payloadBytes` of 78-octet lines (none starts with a dot). */
export function outboundMessage(index: number, payloadBytes = OUTBOUND_PAYLOAD_BYTES): Buffer {
  const body = `${'x'.repeat(76)}\r\n`.repeat(Math.ceil(payloadBytes / 78));
  return Buffer.from(
    `From: <sender@bench.test>\r\nTo: <sink@bench.test>\r\nSubject: outbound ${index}\r\n` +
      `Message-ID: <${outboundId(index)}>\r\n\r\n${body}`,
  );
}

const mb = (kb: number | undefined): number | undefined =>
  kb === undefined ? undefined : Math.round(kb / 102.4) / 10;

/** What one run measured, from its release `started` (ms) until `done`. */
interface Measured {
  started: number;
  ended: number;
  cpuSeconds: number;
  peakRssKb: number | undefined;
  peakPssKb: number | undefined;
  error?: string | undefined;
}

function toRow(server: OutboundServerName, messages: number, sink: Sink, m: Measured): OutboundRow {
  const check = checkExactlyOnce(
    sink.ids,
    Array.from({ length: messages }, (_, i) => outboundId(i)),
  );
  const seconds = (m.ended - m.started) / 1000;
  const first = sink.firstAt;
  const last = sink.lastAt;
  const error = m.error ?? check.problem;
  return {
    server,
    messages,
    received: sink.messages,
    seconds,
    perSecond: messages / seconds,
    firstSeconds: first === undefined ? 0 : (first - m.started) / 1000,
    steadyPerSecond:
      first !== undefined && last !== undefined && last > first
        ? (messages - 1) / ((last - first) / 1000)
        : 0,
    connections: sink.connections,
    cpuMsPerMessage: (m.cpuSeconds * 1000) / messages,
    peakRssMb: mb(m.peakRssKb) ?? 0,
    peakPssMb: mb(m.peakPssKb),
    verified: m.error === undefined && check.ok,
    runs: [],
    ...(error ? { error } : {}),
  };
}

/** Polls until the sink has `messages` and `queued()` is 0; an error text on timeout or exit. */
async function drained(
  sink: Sink,
  messages: number,
  queued: () => number,
  alive: () => boolean,
): Promise<string | undefined> {
  const deadline = Date.now() + 120_000 + messages * 50;
  for (;;) {
    if (sink.messages >= messages && queued() === 0) return undefined;
    if (!alive()) return 'the server stopped';
    if (Date.now() > deadline) return `${sink.messages} of ${messages} at the sink, ${queued()} still queued`;
    await sleep(20);
  }
}

async function runLoft(
  root: string,
  template: string,
  sink: Sink,
  options: OutboundOptions,
  track: (loft: LoftServer | undefined) => void,
): Promise<OutboundRow> {
  mkdirSync(root);
  copyQueued(template, root);
  const loft = await startLoftRelay({
    root,
    sinkPort: sink.port,
    concurrency: OUTBOUND_CONCURRENCY,
    nodeOptions: options.profile ? ['--cpu-prof', `--cpu-prof-dir=${root}`] : [],
  });
  track(loft);
  const sampler = new MemorySampler(loft.pid, true);
  try {
    await sleep(1000); // let the start settle (the runner's first look, the search indexer's)
    sink.reset();
    const cpu0 = treeCpuSeconds(loft.pid);
    sampler.start(SAMPLE_MS);
    const started = Date.now();
    await releaseLoftQueue(loft.dataDir);
    const error = await drained(
      sink,
      options.messages,
      () => queuedIn(loft.dataDir),
      () => loft.running,
    );
    const ended = Date.now();
    sampler.stop();
    return toRow('loft', options.messages, sink, {
      started,
      ended,
      cpuSeconds: treeCpuSeconds(loft.pid) - cpu0,
      peakRssKb: peakRssKb(loft.pid),
      peakPssKb: sampler.peakPssKb,
      error: error && `${error} (see ${loft.logFile})`,
    });
  } finally {
    sampler.stop();
    await loft.stop();
    track(undefined);
  }
}

async function runPostfix(relay: PostfixRelay, sink: Sink, options: OutboundOptions): Promise<OutboundRow> {
  const pid = relay.server.masterPid();
  if (pid === undefined) throw new Error('the Postfix instance is not running');
  sink.reset();
  const sampler = new MemorySampler(pid, true);
  const cpu0 = treeCpuSeconds(pid);
  sampler.start(SAMPLE_MS);
  const started = Date.now();
  try {
    await relay.release();
    const error = await drained(
      sink,
      options.messages,
      () => relay.server.queued(),
      () => relay.server.masterPid() !== undefined,
    );
    const ended = Date.now();
    const cpuSeconds = treeCpuSeconds(pid) - cpu0;
    sampler.stop();
    return toRow('postfix', options.messages, sink, {
      started,
      ended,
      cpuSeconds,
      peakRssKb: sampler.peakRssKb,
      peakPssKb: sampler.peakPssKb,
      error: error && `${error} (see ${relay.server.root}/maillog)`,
    });
  } finally {
    sampler.stop();
  }
}

/** Runs the benchmark: queues the messages, measures each server `repeat` times, taking turns. */
export async function runSmtpOutbound(options: OutboundOptions): Promise<OutboundResult> {
  const notes: string[] = [];
  const root = mkdtempSync(path.join(os.tmpdir(), 'loft-bench-outbound-'));
  chmodSync(root, 0o755); // Postfix's processes must reach their instance below
  const host = hostInfo(root);
  const sink = await startSink();
  let loft: LoftServer | undefined;
  let relay: PostfixRelay | undefined;
  const cleanup = async (): Promise<void> => {
    await Promise.allSettled([loft?.stop(), relay?.stop()]);
  };
  const onSignal = (): void => {
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const content = (i: number): Buffer => outboundMessage(i);
  const all: OutboundRow[] = [];
  let loftQueueSeconds: number | undefined;
  const postfixFillSeconds: number[] = [];
  let failed = false;
  try {
    const template = path.join(root, 'loft-queued');
    const servers: OutboundServerName[] = [];
    if (options.servers.includes('loft')) {
      options.log(`loft: queueing ${options.messages} messages through the delivery point…`);
      const t = Date.now();
      await queueForLoft(template, options.messages, content);
      loftQueueSeconds = (Date.now() - t) / 1000;
      servers.push('loft');
    }
    if (options.servers.includes('postfix')) {
      const why = postfixUnavailable();
      if (why) notes.push(`Postfix skipped: ${why}`);
      else {
        relay = await PostfixRelay.start({
          root: path.join(root, 'postfix'),
          sinkPort: sink.port,
          concurrency: OUTBOUND_CONCURRENCY,
        });
        options.log(`postfix: master pid ${relay.server.masterPid()}, instance ${relay.server.root}`);
        servers.push('postfix');
      }
    }
    for (let round = 1; round <= options.repeat; round++) {
      const which = options.repeat > 1 ? ` (run ${round}/${options.repeat})` : '';
      for (const server of servers) {
        let row: OutboundRow;
        if (server === 'loft') {
          options.log(`loft: relaying ${options.messages} messages${which}…`);
          row = await runLoft(path.join(root, `loft-run-${round}`), template, sink, options, (l) => {
            loft = l;
          });
        } else {
          options.log(`postfix: queueing ${options.messages} messages on hold through smtpd…`);
          const t = Date.now();
          await relay!.fill(options.messages, content, 600_000);
          postfixFillSeconds.push((Date.now() - t) / 1000);
          options.log(`postfix: relaying ${options.messages} messages${which}…`);
          row = await runPostfix(relay!, sink, options);
        }
        options.log(
          `  ${row.received} at the sink in ${row.seconds.toFixed(2)} s = ${row.perSecond.toFixed(0)} msg/s${row.error ? ` (${row.error})` : ''}`,
        );
        all.push(row);
      }
    }
  } catch (err) {
    failed = true;
    notes.push(`the benchmark stopped: ${(err as Error).message}`);
  } finally {
    await cleanup();
    await sink.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    failed ||= all.some((r) => !r.verified);
    if (options.keep || options.profile || failed) {
      notes.push(
        `temporary folder kept${options.profile ? ' (Loft CPU profiles in loft-run-*/)' : ''}: ${root}`,
      );
    } else rmSync(root, { recursive: true, force: true });
  }
  return {
    host,
    messages: options.messages,
    payloadBytes: OUTBOUND_PAYLOAD_BYTES,
    concurrency: OUTBOUND_CONCURRENCY,
    rows: medianOutboundRows(all),
    loftQueueSeconds,
    postfixFillSeconds,
    notes,
  };
}
