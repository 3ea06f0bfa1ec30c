/**
 * `npm run bench`: runs Loft's benchmarks, prints a table per benchmark and writes the results as
 * JSON to bench/results/ (git-ignored). See bench/README.md. Exits 1 when a measurement could
 * not be verified (a message acknowledged but not found stored, a message retrieved with the
 * wrong size), 2 on a usage error.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  IMAP_CONNECTIONS,
  IMAP_MESSAGES,
  IMAP_QUICK_CONNECTIONS,
  IMAP_QUICK_MESSAGES,
  IMAP_QUICK_SELECT_SAMPLES,
  IMAP_SELECT_SAMPLES,
  IMAP_SERVER_NAMES,
  type ImapOptions,
  type ImapServerName,
  runImap,
} from './imap.ts';
import { DEFAULT_SEED } from './lib/imap-messages.ts';
import {
  formatImapTable,
  formatImapTargets,
  formatMemoryTable,
  imapTargetChecks,
} from './lib/imap-report.ts';
import { SMTP_SOURCE } from './lib/load.ts';
import { BACKEND_LEGEND } from './lib/loft-names.ts';
import { formatOutbound, formatOutboundComparison, outboundErrors } from './lib/outbound-report.ts';
import { formatPop3Table, formatPop3Targets, pop3TargetChecks } from './lib/pop3-report.ts';
import { DEFAULT_POSTGRES } from './lib/postgres.ts';
import { formatTable, formatTargets, targetChecks } from './lib/report.ts';
import {
  POP3_DEPTH,
  POP3_MESSAGES,
  POP3_PAYLOAD_BYTES,
  POP3_QUICK_MESSAGES,
  POP3_SERVER_NAMES,
  type Pop3Options,
  type Pop3ServerName,
  runPop3,
} from './pop3-retr.ts';
import { runSmtpAccept, SERVER_NAMES, type ServerName, type SmtpAcceptOptions } from './smtp-accept.ts';
import {
  OUTBOUND_MESSAGES,
  OUTBOUND_QUICK_MESSAGES,
  OUTBOUND_SERVER_NAMES,
  type OutboundOptions,
  type OutboundServerName,
  runSmtpOutbound,
} from './smtp-outbound.ts';
import { formatScale, runSmtpScale, type ScaleOptions } from './smtp-scale.ts';

const HERE = import.meta.dirname;

/** The benchmarks, in the order `npm run bench` runs them. */
export const BENCHMARKS = ['smtp-accept', 'pop3', 'imap', 'smtp-scale', 'smtp-outbound'] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];

const USAGE = `usage: node bench/run.ts [BENCHMARK...] [options]

benchmarks: smtp-accept, pop3 (alias pop3-retr), imap, smtp-scale, smtp-outbound; default: all of them,
            in that order

  --quick                 smoke run of a few seconds per server (small counts)
  --scale N               multiply the message counts by N (default 1)
  --servers LIST          loft,loft-pg,postfix,dovecot (default all; each benchmark takes its own):
                          loft is Loft on SQLite, loft-pg Loft on PostgreSQL (see --postgres)
  --postgres URL          the PostgreSQL database of loft-pg and smtp-scale, a schema of its own per
                          run, dropped after (default ${DEFAULT_POSTGRES})
  --generator NAME        auto | smtp-source | node (default auto: smtp-source when installed)
  --repeat N              run each row N times, servers taking turns; report the median (default 1)
  --setup                 run bench/setup.sh (installs Postfix and Dovecot; root) before measuring
  --no-setup              never run bench/setup.sh, even when Postfix or Dovecot is missing
  --keep                  keep the temporary folder (data, logs, server instances)
  --out DIR               where to write the JSON results (default bench/results)

smtp-accept:
  --sizes LIST            message body sizes in octets, k = 1024 (default 5k,100k)
  --concurrency LIST      concurrent sessions (default 1,10,50; with --quick 1,50)
  --reuse                 several messages per connection (smtp-source -d); default: one per connection

pop3:
  --messages N            messages in the maildrop (default ${POP3_MESSAGES}, with --quick ${POP3_QUICK_MESSAGES}; --scale multiplies)
  --depth N               RETRs outstanding at once in pipelined sessions (default ${POP3_DEPTH})
  --pipelined-only        skip the sessions that send one RETR at a time

imap:
  --messages N            messages in the mailbox (default ${IMAP_MESSAGES}, with --quick ${IMAP_QUICK_MESSAGES}; --scale multiplies)
  --connections N         idle connections for the memory measurement (default ${IMAP_CONNECTIONS}, with --quick ${IMAP_QUICK_CONNECTIONS})
  --seed N                the generated mailbox's seed (default ${DEFAULT_SEED})
  --select-samples N      short sessions per server (LOGIN, SELECT INBOX, LOGOUT) after the later
                          sessions, for SELECT's median (default ${IMAP_SELECT_SAMPLES}, with --quick ${IMAP_QUICK_SELECT_SAMPLES})
  --idle-seconds N        stop opening idle connections to a server after N seconds (default 300); also
                          stopped when Loft's RSS grew by 8 GB or the machine's available memory runs low
  --profile               run Loft under node --cpu-prof (the profile is kept in the temporary folder;
                          imap and smtp-outbound)

smtp-scale: Loft on SQLite, on PostgreSQL with one process and with two (takes --postgres)

smtp-outbound:
  --messages N            messages queued, then relayed to a local sink (default ${OUTBOUND_MESSAGES}, with --quick
                          ${OUTBOUND_QUICK_MESSAGES}; --scale multiplies); loft and postfix, connections reused
`;

/** Parses "5k,100k,512" into octets. */
export function parseSizes(text: string): number[] {
  return text.split(',').map((item) => {
    const match = /^(\d+)([kKmM]?)$/.exec(item.trim());
    if (!match) throw new Error(`--sizes: not a size: ${item}`);
    const unit = match[2]?.toLowerCase() === 'k' ? 1024 : match[2]?.toLowerCase() === 'm' ? 1024 * 1024 : 1;
    return Number(match[1]) * unit;
  });
}

/** Parses "1,10,50" into positive integers. */
export function parseCounts(text: string, flag: string): number[] {
  return text.split(',').map((item) => {
    const n = Number(item.trim());
    if (!Number.isInteger(n) || n < 1 || n > 1000)
      throw new Error(`${flag}: not a count from 1 to 1000: ${item}`);
    return n;
  });
}

/** Parses "loft,dovecot" into server names, each one of `known`. */
export function parseServers(text: string, known: readonly string[]): string[] {
  const servers = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const s of servers) if (!known.includes(s)) throw new Error(`--servers: unknown server ${s}`);
  return servers;
}

/** Parses benchmark names (positionals); none means all of them, in order. */
export function parseBenchmarks(names: readonly string[]): BenchmarkName[] {
  if (names.length === 0) return [...BENCHMARKS];
  const chosen = new Set<BenchmarkName>();
  for (const name of names) {
    const canonical = name === 'pop3-retr' ? 'pop3' : name;
    if (!(BENCHMARKS as readonly string[]).includes(canonical)) throw new Error(`unknown benchmark: ${name}`);
    chosen.add(canonical as BenchmarkName);
  }
  return BENCHMARKS.filter((b) => chosen.has(b));
}

/** Parses a positive integer option up to `max`. */
export function parseCount(text: string, flag: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new Error(`${flag}: expected an integer from 1 to ${max}: ${text}`);
  return n;
}

function needsSetup(
  smtpServers: ServerName[],
  pop3Servers: Pop3ServerName[],
  imapServers: ImapServerName[],
  outboundServers: OutboundServerName[],
): boolean {
  const postfix =
    (smtpServers.includes('postfix') && (!existsSync('/usr/sbin/postfix') || !existsSync(SMTP_SOURCE))) ||
    (outboundServers.includes('postfix') && !existsSync('/usr/sbin/postfix'));
  const dovecot = pop3Servers.includes('dovecot') && !existsSync('/usr/sbin/dovecot');
  const imapd = imapServers.includes('dovecot') && !existsSync('/usr/lib/dovecot/imap');
  return postfix || dovecot || imapd;
}

function runSetup(): void {
  console.log('Installing Postfix and Dovecot for the comparison (bench/setup.sh)…');
  execFileSync('sh', [path.join(HERE, 'setup.sh')], { stdio: 'inherit', timeout: 600_000 });
}

type Values = ReturnType<typeof parseOptions>['values'];

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      scale: { type: 'string', default: '1' },
      servers: { type: 'string', default: [...SERVER_NAMES, 'dovecot'].join(',') },
      sizes: { type: 'string', default: '5k,100k' },
      concurrency: { type: 'string' },
      generator: { type: 'string', default: 'auto' },
      reuse: { type: 'boolean', default: false },
      repeat: { type: 'string', default: '1' },
      messages: { type: 'string' },
      depth: { type: 'string', default: String(POP3_DEPTH) },
      'pipelined-only': { type: 'boolean', default: false },
      connections: { type: 'string' },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      'select-samples': { type: 'string' },
      profile: { type: 'boolean', default: false },
      'idle-seconds': { type: 'string', default: '300' },
      setup: { type: 'boolean', default: false },
      'no-setup': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      out: { type: 'string', default: path.join(HERE, 'results') },
      postgres: { type: 'string', default: DEFAULT_POSTGRES },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** Writes `<name>-<time>.json` and `<name>-latest.json`; returns the first one's path. */
/**
 * Writes a benchmark's results as JSON (`<name>-<time>.json` and `<name>-latest.json` in `out`)
 * and says where.
 */
function saveResults(
  out: string,
  name: string,
  run: { startedAt: Date; argv: string[]; options: object },
  result: object,
  targets?: unknown,
): void {
  mkdirSync(out, { recursive: true });
  const stamp = run.startedAt.toISOString().replace(/[:.]/g, '-');
  const file = path.join(out, `${name}-${stamp}.json`);
  const payload = {
    benchmark: name,
    startedAt: run.startedAt,
    argv: run.argv,
    options: { ...run.options, log: undefined },
    ...result,
    ...(targets === undefined ? {} : { targets }),
  };
  const json = `${JSON.stringify(payload, null, 2)}\n`;
  writeFileSync(file, json);
  writeFileSync(path.join(out, `${name}-latest.json`), json);
  console.log(`results: ${path.relative(process.cwd(), file)}`);
}

/** `--messages`, or the benchmark's count (its quick one with --quick) times --scale. */
function messageCount(values: Values, quick: number, full: number, scale: number): number {
  return values.messages !== undefined
    ? parseCount(values.messages, '--messages', 1_000_000)
    : Math.max(1, Math.round((values.quick ? quick : full) * scale));
}

const loadNow = (): string => (os.loadavg()[0] ?? 0).toFixed(2);

/** The PostgreSQL part of a host line: its version when loft-pg ran. */
const postgresPart = (version: string | undefined): string => (version ? `, PostgreSQL ${version}` : '');

/** The legend under a table with loft-pg rows. */
function printLegend(servers: readonly string[]): void {
  if (servers.includes('loft-pg')) console.log(BACKEND_LEGEND);
}

/** "Loft's peak RSS …: 123 MB (SQLite), 98 MB (PostgreSQL)". */
function formatPeaks(peaks: Partial<Record<string, number>>): string | undefined {
  const parts = Object.entries(peaks).map(
    ([server, mb]) => `${mb} MB (${server === 'loft-pg' ? 'on PostgreSQL' : 'on SQLite'})`,
  );
  return parts.length > 0 ? parts.join(', ') : undefined;
}

async function smtpBenchmark(
  values: Values,
  argv: string[],
  common: { servers: ServerName[]; scale: number; repeat: number; generator: Pop3Options['generator'] },
): Promise<number> {
  const options: SmtpAcceptOptions = {
    servers: common.servers,
    sizes: parseSizes(values.sizes),
    concurrencies: parseCounts(values.concurrency ?? (values.quick ? '1,50' : '1,10,50'), '--concurrency'),
    scale: common.scale,
    quick: values.quick,
    generator: common.generator,
    reuseConnections: values.reuse,
    repeat: common.repeat,
    keep: values.keep,
    postgres: values.postgres,
    log: (line) => console.log(line),
  };
  const startedAt = new Date();
  console.log(`smtp-accept: ${options.servers.join(' and ')}${values.quick ? ' (quick)' : ''}`);
  const result = await runSmtpAccept(options);
  const checks = targetChecks(result.rows);
  const h = result.host;

  console.log('');
  console.log(
    `SMTP acceptance, ${result.generator === 'smtp-source' ? 'load from smtp-source' : "load from Loft's in-Node generator (smtp-source missing)"}, ` +
      `${options.reuseConnections ? 'connections reused' : 'a new connection per message'}, loopback`,
  );
  console.log(
    `host: ${h.cpus} CPU (${h.cpuModel}), ${h.memoryGb} GB, Linux ${h.kernel}, Node ${h.node}, ` +
      `Postfix ${h.postfix ?? 'absent'}${postgresPart(result.postgres)}, fsync ${h.fsyncMs} ms, load average ${h.loadAverage} at start (${loadNow()} now)`,
  );
  console.log('');
  console.log(formatTable(result.rows));
  printLegend(result.rows.map((r) => r.server));
  console.log('');
  for (const line of formatTargets(checks)) console.log(line);
  const peaks = formatPeaks({
    ...(result.loftLifetimePeakRssMb === undefined ? {} : { loft: result.loftLifetimePeakRssMb }),
    ...(result.loftPgLifetimePeakRssMb === undefined ? {} : { 'loft-pg': result.loftPgLifetimePeakRssMb }),
  });
  if (peaks) console.log(`Loft's peak RSS over the whole run (VmHWM): ${peaks}`);
  for (const note of result.notes) console.log(`note: ${note}`);
  saveResults(values.out, 'smtp-accept', { startedAt, argv, options }, result, checks);
  return result.rows.length > 0 && result.rows.every((r) => r.verified) ? 0 : 1;
}

async function pop3Benchmark(
  values: Values,
  argv: string[],
  common: { servers: Pop3ServerName[]; scale: number; repeat: number; generator: Pop3Options['generator'] },
): Promise<number> {
  const messages = messageCount(values, POP3_QUICK_MESSAGES, POP3_MESSAGES, common.scale);
  const options: Pop3Options = {
    servers: common.servers,
    messages,
    payloadBytes: POP3_PAYLOAD_BYTES,
    depth: parseCount(values.depth, '--depth', 1000),
    oneAtATime: !values['pipelined-only'],
    repeat: common.repeat,
    generator: common.generator,
    keep: values.keep,
    postgres: values.postgres,
    log: (line) => console.log(line),
  };
  const startedAt = new Date();
  console.log(
    `pop3: ${options.servers.join(' and ')}, ${messages} messages${values.quick ? ' (quick)' : ''}`,
  );
  const result = await runPop3(options);
  const checks = pop3TargetChecks(result.rows);
  const h = result.host;

  console.log('');
  console.log(
    `POP3 retrieval: log in, STAT, UIDL, LIST, RETR every message of ${result.maildrop.messages} ` +
      `(${result.maildrop.averageOctets} octets on average; each Loft filled by SMTP, Dovecot given the first Loft's bytes), QUIT without DELE; loopback`,
  );
  console.log(
    `host: ${h.cpus} CPU (${h.cpuModel}), ${h.memoryGb} GB, Linux ${h.kernel}, Node ${h.node}, ` +
      `Dovecot ${result.dovecot ?? 'absent'}${postgresPart(result.postgres)}, load average ${h.loadAverage} at start (${loadNow()} now)`,
  );
  console.log(
    `filling: ${result.loading.map((l) => `${l.server} ${l.fillSeconds.toFixed(1)} s by SMTP, search-indexed ${l.indexSeconds.toFixed(1)} s later`).join('; ')}`,
  );
  console.log('');
  console.log(formatPop3Table(result.rows));
  printLegend(result.rows.map((r) => r.server));
  console.log('');
  for (const line of formatPop3Targets(checks)) console.log(line);
  if (result.sameContent !== undefined) {
    console.log(
      `content: ${result.sameContent ? 'every session retrieved exactly the messages its server was given (SHA-256)' : 'DIFFERS from what a server was given'}`,
    );
  }
  const peaks = formatPeaks(result.loftLifetimePeakRssMb);
  if (peaks) console.log(`Loft's peak RSS over the whole run, filling included (VmHWM): ${peaks}`);
  for (const note of result.notes) console.log(`note: ${note}`);
  saveResults(values.out, 'pop3-retr', { startedAt, argv, options }, result, checks);
  const ok = result.rows.length > 0 && result.rows.every((r) => r.verified) && result.sameContent !== false;
  return ok ? 0 : 1;
}

async function imapBenchmark(
  values: Values,
  argv: string[],
  common: { servers: ImapServerName[]; scale: number; repeat: number },
): Promise<number> {
  const messages = messageCount(values, IMAP_QUICK_MESSAGES, IMAP_MESSAGES, common.scale);
  const connections =
    values.connections !== undefined
      ? parseCount(values.connections, '--connections', 100_000)
      : values.quick
        ? IMAP_QUICK_CONNECTIONS
        : IMAP_CONNECTIONS;
  const options: ImapOptions = {
    servers: common.servers,
    messages,
    connections,
    seed: parseCount(values.seed, '--seed', 2 ** 31),
    repeat: common.repeat,
    selectSamples:
      values['select-samples'] !== undefined
        ? parseCount(values['select-samples'], '--select-samples', 1000)
        : values.quick
          ? IMAP_QUICK_SELECT_SAMPLES
          : IMAP_SELECT_SAMPLES,
    keep: values.keep,
    profile: values.profile,
    idleSeconds: parseCount(values['idle-seconds'], '--idle-seconds', 86_400),
    postgres: values.postgres,
    log: (line) => console.log(line),
  };
  const startedAt = new Date();
  console.log(
    `imap: ${options.servers.join(' and ')}, ${messages} messages, ${connections} idle connections${values.quick ? ' (quick)' : ''}`,
  );
  const result = await runImap(options);
  const checks = imapTargetChecks(result.rows, result.memory);
  const h = result.host;
  const m = result.mailbox;

  console.log('');
  console.log(
    `IMAP: one mailbox of ${m.messages} generated messages (${m.averageOctets} octets on average, the same bytes on both servers, ` +
      `${m.rareWordMessages} holding the rare word), one client command at a time; loopback`,
  );
  console.log(
    `host: ${h.cpus} CPU (${h.cpuModel}), ${h.memoryGb} GB, Linux ${h.kernel}, Node ${h.node}, ` +
      `Dovecot ${result.dovecot ?? 'absent'}${postgresPart(result.postgres)}, load average ${h.loadAverage} at start (${loadNow()} now)`,
  );
  const loadings = result.loading.map(
    (l) =>
      `${l.server} filled through DeliveryService.append in ${l.fillSeconds.toFixed(1)} s, search index done ` +
      `${l.indexSeconds === undefined ? '(not finished)' : `${l.indexSeconds.toFixed(1)} s after its start (${l.indexCpuSeconds?.toFixed(1)} s CPU)`}`,
  );
  if (m.dovecotWriteSeconds !== undefined)
    loadings.push(`Dovecot's Maildir written in ${m.dovecotWriteSeconds.toFixed(1)} s`);
  console.log(`loading: ${loadings.join('; ')}`);
  console.log('');
  console.log(formatImapTable(result.rows));
  printLegend(result.rows.map((r) => r.server));
  console.log('');
  if (result.memory.length > 0) {
    console.log(
      `idle connections: each logged in, INBOX selected, in IDLE; client open-files limit ${result.clientNofile ?? 'unknown'}`,
    );
    console.log(formatMemoryTable(result.memory));
    console.log('');
  }
  for (const line of formatImapTargets(checks)) console.log(line);
  const peaks = formatPeaks(result.loftLifetimePeakRssMb);
  if (peaks) console.log(`Loft's peak RSS over the whole run (VmHWM): ${peaks}`);
  for (const note of result.notes) console.log(`note: ${note}`);
  saveResults(values.out, 'imap', { startedAt, argv, options }, result, checks);
  const ok =
    result.rows.length > 0 &&
    result.rows.every((r) => r.verified) &&
    result.memory.every((r) => r.verified) &&
    !result.notes.some((n) => n.startsWith('the benchmark stopped'));
  return ok ? 0 : 1;
}

async function scaleBenchmark(
  values: Values,
  argv: string[],
  common: { scale: number; repeat: number },
): Promise<number> {
  const options: ScaleOptions = {
    postgres: values.postgres,
    messages: Math.round((values.quick ? 400 : 4000) * common.scale),
    concurrency: 50,
    payloadBytes: 5 * 1024,
    repeat: common.repeat,
    log: (line) => console.log(line),
  };
  const startedAt = new Date();
  console.log(
    `smtp-scale: Loft on SQLite, on PostgreSQL with one process and with two (${options.postgres})`,
  );
  const result = await runSmtpScale(options);
  const h = result.host;
  console.log('');
  console.log(
    `SMTP acceptance, ${options.messages} messages of 5 KB at c=${options.concurrency} in all (split between the processes), smtp-source, a new connection per message; loopback`,
  );
  console.log(
    `host: ${h.cpus} CPU (${h.cpuModel}), ${h.memoryGb} GB, load average ${h.loadAverage} at start (${loadNow()} now)`,
  );
  console.log('');
  console.log(formatScale(result));
  saveResults(values.out, 'smtp-scale', { startedAt, argv, options }, result);
  return result.rows.every((r) => r.verified) ? 0 : 1;
}

async function outboundBenchmark(
  values: Values,
  argv: string[],
  common: { servers: OutboundServerName[]; scale: number; repeat: number },
): Promise<number> {
  const messages = messageCount(values, OUTBOUND_QUICK_MESSAGES, OUTBOUND_MESSAGES, common.scale);
  const options: OutboundOptions = {
    servers: common.servers,
    messages,
    repeat: common.repeat,
    keep: values.keep,
    profile: values.profile,
    log: (line) => console.log(line),
  };
  const startedAt = new Date();
  console.log(
    `smtp-outbound: ${options.servers.join(' and ')}, ${messages} messages${values.quick ? ' (quick)' : ''}`,
  );
  const result = await runSmtpOutbound(options);
  const h = result.host;
  console.log('');
  console.log(
    `Outbound delivery: ${result.messages} queued messages of ${result.payloadBytes} octets (and a few header lines) ` +
      `relayed to a local SMTP sink, at most ${result.concurrency} connections, reused; loopback`,
  );
  console.log(
    `host: ${h.cpus} CPU (${h.cpuModel}), ${h.memoryGb} GB, Linux ${h.kernel}, Node ${h.node}, ` +
      `Postfix ${h.postfix ?? 'absent'}, fsync ${h.fsyncMs} ms, load average ${h.loadAverage} at start (${loadNow()} now)`,
  );
  const filling = [
    result.loftQueueSeconds === undefined
      ? undefined
      : `Loft's queue filled through its delivery point in ${result.loftQueueSeconds.toFixed(1)} s`,
    result.postfixFillSeconds.length === 0
      ? undefined
      : `Postfix's through smtpd, on hold, in ${result.postfixFillSeconds.map((s) => s.toFixed(1)).join(', ')} s`,
  ].filter((x) => x !== undefined);
  if (filling.length > 0) console.log(`queueing (not timed): ${filling.join('; ')}`);
  console.log('');
  console.log(formatOutbound(result.rows));
  console.log('');
  for (const line of formatOutboundComparison(result.rows)) console.log(line);
  for (const line of outboundErrors(result.rows)) console.log(`error: ${line}`);
  for (const note of result.notes) console.log(`note: ${note}`);
  saveResults(values.out, 'smtp-outbound', { startedAt, argv, options }, result);
  const ok =
    result.rows.length > 0 &&
    result.rows.every((r) => r.verified) &&
    !result.notes.some((n) => n.startsWith('the benchmark stopped'));
  return ok ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(argv);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const benchmarks = parseBenchmarks(positionals);
  const scale = Number(values.scale);
  if (!(scale > 0 && scale <= 100))
    throw new Error(`--scale: expected a number in (0, 100]: ${values.scale}`);
  const repeat = parseCount(values.repeat, '--repeat', 20);
  const servers = parseServers(values.servers, [
    ...SERVER_NAMES,
    ...POP3_SERVER_NAMES,
    ...IMAP_SERVER_NAMES,
    ...OUTBOUND_SERVER_NAMES,
  ]);
  const generator = values.generator;
  if (generator !== 'auto' && generator !== 'smtp-source' && generator !== 'node') {
    throw new Error(`--generator: expected auto, smtp-source or node: ${generator}`);
  }
  const smtpServers = benchmarks.includes('smtp-accept')
    ? (servers.filter((s) => (SERVER_NAMES as readonly string[]).includes(s)) as ServerName[])
    : [];
  const pop3Servers = benchmarks.includes('pop3')
    ? (servers.filter((s) => (POP3_SERVER_NAMES as readonly string[]).includes(s)) as Pop3ServerName[])
    : [];
  const imapServers = benchmarks.includes('imap')
    ? (servers.filter((s) => (IMAP_SERVER_NAMES as readonly string[]).includes(s)) as ImapServerName[])
    : [];
  const outboundServers = benchmarks.includes('smtp-outbound')
    ? (servers.filter((s) =>
        (OUTBOUND_SERVER_NAMES as readonly string[]).includes(s),
      ) as OutboundServerName[])
    : [];
  for (const [name, list] of [
    ['smtp-accept', smtpServers],
    ['pop3', pop3Servers],
    ['imap', imapServers],
    ['smtp-outbound', outboundServers],
  ] as const) {
    if (benchmarks.includes(name) && list.length === 0)
      throw new Error(`--servers: none of them runs ${name}`);
  }
  const root = process.getuid?.() === 0;
  if (
    values.setup ||
    (needsSetup(smtpServers, pop3Servers, imapServers, outboundServers) && root && !values['no-setup'])
  )
    runSetup();

  let status = 0;
  for (const benchmark of benchmarks) {
    if (benchmark !== benchmarks[0]) console.log('');
    const code =
      benchmark === 'smtp-accept'
        ? await smtpBenchmark(values, argv, { servers: smtpServers, scale, repeat, generator })
        : benchmark === 'pop3'
          ? await pop3Benchmark(values, argv, { servers: pop3Servers, scale, repeat, generator })
          : benchmark === 'imap'
            ? await imapBenchmark(values, argv, { servers: imapServers, scale, repeat })
            : benchmark === 'smtp-scale'
              ? await scaleBenchmark(values, argv, { scale, repeat })
              : await outboundBenchmark(values, argv, { servers: outboundServers, scale, repeat });
    status = Math.max(status, code);
  }
  return status;
}

if (import.meta.main) {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (err) {
    console.error(`bench: ${(err as Error).message}`);
    process.exitCode = 2;
  }
}
