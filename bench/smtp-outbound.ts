/**
 * The outbound benchmark: N queued messages (10,000 by default) delivered to a local SMTP sink,
 * by Loft's queue runner (connections reused between messages) and by Postfix relaying the same
 * messages to the same sink. Reports messages/s, connections used and peak memory.
 *
 * Loft: the messages are queued first through Loft's own delivery point (the data folder's
 * database, no runner running), then `loft serve` starts with the runner pointed at the sink
 * (`queue.port`; the recipient `sink@[127.0.0.1]` needs no DNS); the clock runs from the start of
 * the process until the sink has every message and the queue is empty.
 * Postfix: the benchmark's own instance (bench/lib/postfix-server.ts) relays to the sink
 * (`relayhost`); the messages are accepted while its queue manager is off (master.cf), so they
 * wait in the incoming queue; then the queue manager comes back (reload) and relays them; the
 * clock runs from that reload until the sink has every message and the queue is empty.
 *
 * Usage: node bench/smtp-outbound.ts [--messages N] [--servers loft,postfix] [--keep]
 */
import { execFile } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { openServices } from '../src/open-services.ts';
import { LoftServer } from './lib/loft-server.ts';
import { nodeSource } from './lib/node-source.ts';
import { PostfixServer, postfixUnavailable } from './lib/postfix-server.ts';
import { peakRssKb, treeMemory } from './lib/procfs.ts';
import { type Sink, startSink } from './lib/sink.ts';

const SINK_RECIPIENT = 'sink@[127.0.0.1]';
const PAYLOAD = 5 * 1024;

export interface OutboundRow {
  server: 'loft' | 'postfix';
  messages: number;
  seconds: number;
  perSecond: number;
  connections: number;
  peakMemoryMb: number | undefined;
}

function message(i: number): Buffer {
  const body = `${'x'.repeat(76)}\r\n`.repeat(Math.ceil(PAYLOAD / 78));
  return Buffer.from(
    `From: <sender@bench.test>\r\nTo: <${SINK_RECIPIENT}>\r\nSubject: outbound ${i}\r\n` +
      `Message-ID: <${i}.outbound@bench.test>\r\n\r\n${body}`,
  );
}

/** Loft: queue `count` messages through the delivery point, then start the runner and time it. */
async function runLoft(root: string, sink: Sink, count: number): Promise<OutboundRow> {
  const dataDir = path.join(root, 'data');
  mkdirSync(dataDir, { recursive: true });
  const services = await openServices(dataDir);
  try {
    const trace = {
      helo: 'bench.test',
      remoteIp: '127.0.0.1',
      hostname: 'loft.bench.invalid',
      esmtp: true,
      tls: undefined,
      authenticated: true,
      smtpUtf8: false,
    };
    for (let i = 0; i < count; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, count - i) }, (_, j) =>
          services.delivery.deliver({
            sender: 'sender@bench.test',
            recipients: [{ address: SINK_RECIPIENT, accounts: [], remote: [SINK_RECIPIENT] }],
            content: [message(i + j)],
            trace,
          }),
        ),
      );
    }
  } finally {
    await services.store.close();
  }
  sink.reset();
  const started = Date.now();
  const loft = await LoftServer.start({
    root,
    domain: 'bench.test',
    users: [],
    extraConfig: ['[queue]', `port = ${sink.port}`, 'concurrency = 20', 'poll_interval = 1'].join('\n'),
  });
  try {
    const db = new DatabaseSync(path.join(dataDir, 'loft.db'), { readOnly: true });
    try {
      for (;;) {
        const queued = Number(
          (db.prepare('SELECT count(*) AS n FROM queue_messages').get() as { n: number }).n,
        );
        if (sink.messages >= count && queued === 0) break;
        if (!loft.running) throw new Error(`loft serve exited (see ${loft.logFile})`);
        await sleep(20);
      }
    } finally {
      db.close();
    }
    const seconds = (Date.now() - started) / 1000;
    const peak = peakRssKb(loft.pid);
    return row('loft', count, seconds, sink.connections, peak === undefined ? undefined : peak / 1024);
  } finally {
    await loft.stop();
  }
}

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { timeout: 60_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`${file} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(),
    ),
  );
}

/** Postfix: accept `count` messages held back, then release and flush, and time the relaying. */
async function runPostfix(root: string, sink: Sink, count: number): Promise<OutboundRow> {
  const postfix = await PostfixServer.start({ root, domain: 'pf.bench.test', users: ['u'] });
  // Ctrl-C or a kill must not leave the instance running.
  const onSignal = (): void => {
    void postfix.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const conf = postfix.confDir;
    const relay = [
      'default_transport = smtp',
      'relay_transport = smtp',
      `relayhost = [127.0.0.1]:${sink.port}`,
      'smtp_tls_security_level = none',
      'smtp_destination_concurrency_limit = 20',
      'default_destination_concurrency_limit = 20',
    ];
    appendFileSync(path.join(conf, 'main.cf'), `${relay.join('\n')}\n`);
    // Without its queue manager Postfix accepts and queues (incoming) but delivers nothing.
    const masterCf = path.join(conf, 'master.cf');
    const withQmgr = `${readFileSync(masterCf, 'utf8')}smtp      unix  - - n -  - smtp\n`;
    writeFileSync(masterCf, withQmgr.replace(/^qmgr /m, '#qmgr '));
    await run('/usr/sbin/postfix', ['-c', conf, 'reload']);
    await sleep(1000);
    const accepted = await nodeSource({
      port: postfix.port,
      sessions: 10,
      messages: count,
      payloadBytes: PAYLOAD,
      from: 'sender@bench.test',
      to: 'sink@sink.bench.test',
      helo: 'bench.test',
      reuseConnections: true,
      replyTimeoutMs: 60_000,
    });
    if (accepted.accepted !== count) throw new Error(`Postfix accepted ${accepted.accepted} of ${count}`);
    sink.reset();
    // The queue manager back: it finds the queued messages and relays them.
    writeFileSync(masterCf, withQmgr);
    const started = Date.now();
    await run('/usr/sbin/postfix', ['-c', conf, 'reload']);
    let peakKb = 0;
    const master = postfix.masterPid();
    while (sink.messages < count || postfix.queued() > 0) {
      if (master !== undefined) peakKb = Math.max(peakKb, treeMemory(master, false).rssKb);
      if (Date.now() - started > 600_000)
        throw new Error(`Postfix relayed ${sink.messages} of ${count} in 10 minutes`);
      await sleep(50);
    }
    const seconds = (Date.now() - started) / 1000;
    return row('postfix', count, seconds, sink.connections, peakKb > 0 ? peakKb / 1024 : undefined);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await postfix.stop();
  }
}

function row(
  server: OutboundRow['server'],
  messages: number,
  seconds: number,
  connections: number,
  peakMemoryMb: number | undefined,
): OutboundRow {
  return { server, messages, seconds, perSecond: messages / seconds, connections, peakMemoryMb };
}

/** The table printed at the end. */
export function formatOutbound(rows: readonly OutboundRow[]): string {
  const header = ['server', 'messages', 'seconds', 'msg/s', 'connections', 'peak MB'];
  const lines = rows.map((r) => [
    r.server,
    String(r.messages),
    r.seconds.toFixed(2),
    r.perSecond.toFixed(0),
    String(r.connections),
    r.peakMemoryMb === undefined ? '-' : r.peakMemoryMb.toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  return [header, ...lines].map((l) => l.map((c, i) => c.padStart(widths[i]!)).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '10000' },
      servers: { type: 'string', default: 'loft,postfix' },
      keep: { type: 'boolean', default: false },
      out: { type: 'string', default: path.join(import.meta.dirname, 'results') },
    },
  });
  const count = Number(values.messages);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--messages: not a count: ${values.messages}`);
  const servers = values.servers.split(',').map((s) => s.trim());
  const root = mkdtempSync(path.join(os.tmpdir(), 'loft-bench-outbound-'));
  chmodSync(root, 0o755);
  const sink = await startSink();
  const rows: OutboundRow[] = [];
  try {
    if (servers.includes('loft')) rows.push(await runLoft(path.join(root, 'loft'), sink, count));
    if (servers.includes('postfix')) {
      const why = postfixUnavailable();
      if (why) console.log(`postfix skipped: ${why}`);
      else rows.push(await runPostfix(path.join(root, 'postfix'), sink, count));
    }
  } finally {
    await sink.close();
    if (!values.keep) rmSync(root, { recursive: true, force: true });
  }
  console.log(`outbound: ${count} queued messages of ${PAYLOAD} octets to a local sink\n`);
  console.log(formatOutbound(rows));
  mkdirSync(values.out, { recursive: true });
  writeFileSync(
    path.join(values.out, 'smtp-outbound-latest.json'),
    `${JSON.stringify({ count, rows }, null, 2)}\n`,
  );
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
