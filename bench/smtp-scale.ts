/**
 * The scale-out benchmark (issue 6): SMTP acceptance of Loft on PostgreSQL with one process and
 * with two processes on one database, next to Loft on its SQLite default, driven by Postfix's
 * smtp-source (a new connection per message). With two processes the load is split in halves,
 * one smtp-source per process, started together; a message counts when its 250 came, and every
 * run is checked against the rows stored. Target: two processes on PostgreSQL at least 1.3
 * times one process on PostgreSQL. CPU time counts each Loft process and, on PostgreSQL, the
 * database backends serving it (each process has an application_name of its own).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type HostInfo, hostInfo } from './lib/host.ts';
import { runLoad } from './lib/load.ts';
import { LoftServer } from './lib/loft-server.ts';
import { BenchSchema } from './lib/postgres.ts';
import { busyShare, machineTicks } from './lib/procfs.ts';

export const SCALE_TARGET = 1.3;
const DOMAIN = 'bench.test';
const USER = 'user';

export interface ScaleOptions {
  /** The PostgreSQL database (a schema of its own is made and dropped). */
  postgres: string;
  messages: number;
  concurrency: number;
  payloadBytes: number;
  repeat: number;
  log: (line: string) => void;
}

export interface ScaleRow {
  setup: 'sqlite, 1 process' | 'postgres, 1 process' | 'postgres, 2 processes';
  messages: number;
  seconds: number;
  perSecond: number;
  cpuMsPerMessage: number;
  /**
   * The share of the whole machine's CPU that was busy while the load ran (every process: Loft,
   * its database backends, the load generator): near 100 % means the setup is CPU-bound.
   */
  machineBusy: number;
  verified: boolean;
  runs: number[];
  error?: string;
}

export interface ScaleResult {
  host: HostInfo;
  rows: ScaleRow[];
  /** postgres 2 processes ÷ postgres 1 process, or undefined when either failed. */
  ratio: number | undefined;
  met: boolean;
}

/** One measurement: start the servers, warm up, send, count. */
async function measure(
  setup: ScaleRow['setup'],
  options: ScaleOptions,
  root: string,
): Promise<Omit<ScaleRow, 'runs'>> {
  const processes = setup === 'postgres, 2 processes' ? 2 : 1;
  const schema = setup.startsWith('postgres') ? await BenchSchema.create(options.postgres) : undefined;
  // Each process's own application_name, so that each counts only the backends serving it.
  const storageOf = (i: number): string | undefined => {
    if (!schema) return undefined;
    const url = new URL(schema.storage);
    url.searchParams.set('application_name', `${schema.name}_p${i}`);
    return url.toString();
  };
  const dir = mkdtempSync(path.join(root, 'run-'));
  const servers: LoftServer[] = [];
  try {
    for (let i = 0; i < processes; i++) {
      const own = path.join(dir, `p${i}`);
      mkdirSync(own);
      servers.push(
        await LoftServer.start({
          root: own,
          domain: DOMAIN,
          users: [`${USER}@${DOMAIN}`],
          storage: storageOf(i),
          provisioned: i > 0,
        }),
      );
    }
    // Every process stores in the one database: the first one's count is everyone's.
    const count = (): Promise<number> => servers[0]!.countStored();
    const spec = (server: LoftServer, messages: number, sessions: number) => ({
      port: server.port,
      sessions,
      messages,
      payloadBytes: options.payloadBytes,
      from: 'sender@client.bench.test',
      to: `${USER}@${DOMAIN}`,
      helo: 'client.bench.test',
      reuseConnections: false,
      timeoutMs: 120_000 + messages * 200,
    });
    for (const server of servers) await runLoad('smtp-source', spec(server, 100, 10));
    const before = await count();
    const cpu0 = servers.reduce((sum, s) => sum + s.cpuSeconds(), 0);
    const machine0 = machineTicks();
    const started = process.hrtime.bigint();
    const loads = await Promise.all(
      servers.map((server) =>
        runLoad(
          'smtp-source',
          spec(server, Math.floor(options.messages / processes), Math.floor(options.concurrency / processes)),
        ),
      ),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const machineBusy = busyShare(machine0, machineTicks());
    const cpu1 = servers.reduce((sum, s) => sum + s.cpuSeconds(), 0);
    const accepted = loads.reduce((sum, l) => sum + l.accepted, 0);
    const failed = loads.reduce((sum, l) => sum + l.failed, 0);
    const stored = (await count()) - before;
    const verified = failed === 0 && stored === accepted;
    return {
      setup,
      messages: accepted,
      seconds,
      perSecond: accepted / seconds,
      cpuMsPerMessage: accepted > 0 ? ((cpu1 - cpu0) * 1000) / accepted : 0,
      machineBusy,
      verified,
      ...(verified
        ? {}
        : { error: loads.flatMap((l) => l.errors).join('; ') || `${stored} stored for ${accepted} 250s` }),
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await schema?.drop().catch(() => {});
  }
}

export async function runSmtpScale(options: ScaleOptions): Promise<ScaleResult> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'loft-scale-'));
  const host = hostInfo(root);
  const setups: ScaleRow['setup'][] = ['sqlite, 1 process', 'postgres, 1 process', 'postgres, 2 processes'];
  const runs = new Map<ScaleRow['setup'], Omit<ScaleRow, 'runs'>[]>(setups.map((s) => [s, []]));
  try {
    for (let r = 0; r < options.repeat; r++) {
      // The setups take turns, so a change in the machine's load touches all of them.
      for (const setup of setups) {
        options.log(
          `${setup}: ${options.messages} × ${options.payloadBytes} B at c=${options.concurrency} (run ${r + 1}/${options.repeat})…`,
        );
        const row = await measure(setup, options, root);
        options.log(
          `  ${row.messages} in ${row.seconds.toFixed(2)} s = ${row.perSecond.toFixed(1)} msg/s${row.error ? ` (${row.error})` : ''}`,
        );
        runs.get(setup)!.push(row);
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const rows = setups.map((setup): ScaleRow => {
    const all = runs.get(setup)!;
    const sorted = [...all].sort((a, b) => a.perSecond - b.perSecond);
    const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
    return {
      ...median,
      verified: all.every((r) => r.verified),
      runs: all.map((r) => Math.round(r.perSecond)),
    };
  });
  const one = rows.find((r) => r.setup === 'postgres, 1 process');
  const two = rows.find((r) => r.setup === 'postgres, 2 processes');
  const ratio = one?.verified && two?.verified ? two.perSecond / one.perSecond : undefined;
  return { host, rows, ratio, met: ratio !== undefined && ratio >= SCALE_TARGET };
}

/** The printed table and target line. */
export function formatScale(result: ScaleResult): string {
  const lines = [
    'setup                   messages  seconds  msg/s   CPU ms/msg  machine busy  check   runs msg/s',
    '----------------------  --------  -------  ------  ----------  ------------  ------  ----------',
    ...result.rows.map(
      (r) =>
        `${r.setup.padEnd(22)}  ${String(r.messages).padStart(8)}  ${r.seconds.toFixed(2).padStart(7)}  ${r.perSecond.toFixed(1).padStart(6)}  ${r.cpuMsPerMessage.toFixed(2).padStart(10)}  ${`${(r.machineBusy * 100).toFixed(0)} %`.padStart(12)}  ${(r.verified ? 'ok' : 'FAILED').padEnd(6)}  ${r.runs.join(' ')}`,
    ),
    '',
    `two processes / one process on PostgreSQL: ${result.ratio === undefined ? 'n/a' : result.ratio.toFixed(2)} (target ≥ ${SCALE_TARGET}) ${result.met ? 'MET' : 'NOT MET'}`,
  ];
  return lines.join('\n');
}
