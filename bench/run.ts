/**
 * `npm run bench`: runs Loft's benchmarks, prints a table per benchmark and writes the results as
 * JSON to bench/results/ (git-ignored). See bench/README.md. Exits 1 when a measurement could
 * not be verified (a message acknowledged but not found stored), 2 on a usage error.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SMTP_SOURCE } from './lib/load.ts';
import { formatTable, formatTargets, targetChecks } from './lib/report.ts';
import { runSmtpAccept, SERVER_NAMES, type ServerName, type SmtpAcceptOptions } from './smtp-accept.ts';

const HERE = import.meta.dirname;

const USAGE = `usage: node bench/run.ts [BENCHMARK...] [options]

benchmarks: smtp-accept (the default: all of them)

  --quick                 smoke run of a few seconds per server (small counts)
  --scale N               multiply the message counts by N (default 1)
  --servers LIST          loft,postfix (default both)
  --sizes LIST            message body sizes in octets, k = 1024 (default 5k,100k)
  --concurrency LIST      concurrent sessions (default 1,10,50; with --quick 1,50)
  --generator NAME        auto | smtp-source | node (default auto: smtp-source when installed)
  --repeat N              run each row N times, servers taking turns; report the median (default 1)
  --reuse                 several messages per connection (smtp-source -d); default: one per connection
  --setup                 run bench/setup.sh (installs Postfix; root) before measuring
  --no-setup              never run bench/setup.sh, even when Postfix is missing
  --keep                  keep the temporary folder (data, logs, Postfix instance)
  --out DIR               where to write the JSON results (default bench/results)
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

function needsSetup(servers: ServerName[]): boolean {
  return servers.includes('postfix') && (!existsSync('/usr/sbin/postfix') || !existsSync(SMTP_SOURCE));
}

function runSetup(): void {
  console.log('Installing Postfix for the comparison (bench/setup.sh)…');
  execFileSync('sh', [path.join(HERE, 'setup.sh')], { stdio: 'inherit', timeout: 600_000 });
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      scale: { type: 'string', default: '1' },
      servers: { type: 'string', default: SERVER_NAMES.join(',') },
      sizes: { type: 'string', default: '5k,100k' },
      concurrency: { type: 'string' },
      generator: { type: 'string', default: 'auto' },
      reuse: { type: 'boolean', default: false },
      repeat: { type: 'string', default: '1' },
      setup: { type: 'boolean', default: false },
      'no-setup': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      out: { type: 'string', default: path.join(HERE, 'results') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const names = positionals.length > 0 ? positionals : ['smtp-accept'];
  for (const name of names) if (name !== 'smtp-accept') throw new Error(`unknown benchmark: ${name}`);
  const scale = Number(values.scale);
  if (!(scale > 0 && scale <= 100))
    throw new Error(`--scale: expected a number in (0, 100]: ${values.scale}`);
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) {
    throw new Error(`--repeat: expected an integer from 1 to 20: ${values.repeat}`);
  }
  const servers = values.servers.split(',').map((s) => s.trim());
  for (const s of servers) {
    if (!(SERVER_NAMES as readonly string[]).includes(s)) throw new Error(`--servers: unknown server ${s}`);
  }
  const generator = values.generator;
  if (generator !== 'auto' && generator !== 'smtp-source' && generator !== 'node') {
    throw new Error(`--generator: expected auto, smtp-source or node: ${generator}`);
  }

  const options: SmtpAcceptOptions = {
    servers: servers as ServerName[],
    sizes: parseSizes(values.sizes),
    concurrencies: parseCounts(values.concurrency ?? (values.quick ? '1,50' : '1,10,50'), '--concurrency'),
    scale,
    quick: values.quick,
    generator,
    reuseConnections: values.reuse,
    repeat,
    keep: values.keep,
    log: (line) => console.log(line),
  };
  const root = process.getuid?.() === 0;
  if (values.setup || (needsSetup(options.servers) && root && !values['no-setup'])) runSetup();

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
      `Postfix ${h.postfix ?? 'absent'}, fsync ${h.fsyncMs} ms, load average ${h.loadAverage} at start (${(os.loadavg()[0] ?? 0).toFixed(2)} now)`,
  );
  console.log('');
  console.log(formatTable(result.rows));
  console.log('');
  for (const line of formatTargets(checks)) console.log(line);
  if (result.loftLifetimePeakRssMb !== undefined) {
    console.log(`Loft's peak RSS over the whole run (VmHWM): ${result.loftLifetimePeakRssMb} MB`);
  }
  for (const note of result.notes) console.log(`note: ${note}`);

  mkdirSync(values.out, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const file = path.join(values.out, `smtp-accept-${stamp}.json`);
  const json = JSON.stringify(
    {
      benchmark: 'smtp-accept',
      startedAt,
      argv,
      options: { ...options, log: undefined },
      ...result,
      targets: checks,
    },
    null,
    2,
  );
  writeFileSync(file, `${json}\n`);
  writeFileSync(path.join(values.out, 'smtp-accept-latest.json'), `${json}\n`);
  console.log(`results: ${path.relative(process.cwd(), file)}`);
  return result.rows.length > 0 && result.rows.every((r) => r.verified) ? 0 : 1;
}

if (import.meta.main) {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (err) {
    console.error(`bench: ${(err as Error).message}`);
    process.exitCode = 2;
  }
}
