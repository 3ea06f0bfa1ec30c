/**
 * The CPU time of the PostgreSQL backends serving one Loft process: on PostgreSQL much of Loft's
 * work (queries, index updates, commits) runs in the database's processes, so counting Loft's
 * process alone would flatter it next to SQLite, which works inside Loft's process.
 *
 * The backends are found in `pg_stat_activity` by the `application_name` of Loft's storage URL
 * (bench/lib/postgres.ts), every 200 ms, and their CPU read from `/proc/<pid>/stat`, so the
 * database must run on this machine (as the benchmark's default one does). A backend that ends
 * keeps its last reading; one that lived less than the polling interval is missed (Loft's pool
 * keeps a connection open until it has been idle for 10 s).
 */
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { benchClient } from './postgres.ts';
import { clockTicks, parseStat } from './procfs.ts';

const POLL_MS = 200;

/** CPU ticks (user + system) of `pid` if it is still a PostgreSQL process. */
function backendTicks(pid: number): number | undefined {
  try {
    const stat = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return stat && stat.comm === 'postgres' ? stat.utime + stat.stime : undefined;
  } catch {
    return undefined; // ended
  }
}

export class BackendCpu {
  readonly #client: pg.Client;
  readonly #applicationName: string;
  /** Last reading of each running backend seen, by pid. */
  readonly #running = new Map<number, number>();
  /** Ticks of the backends that ended (removed from #running: their pid may come back as another). */
  #endedTicks = 0;
  #timer: NodeJS.Timeout | undefined;
  #polling = false;

  private constructor(client: pg.Client, applicationName: string) {
    this.#client = client;
    this.#applicationName = applicationName;
  }

  /** Starts following the backends whose application_name is `applicationName`. */
  static async start(database: string, applicationName: string): Promise<BackendCpu> {
    const client = benchClient(database);
    client.on('error', () => {});
    await client.connect();
    const meter = new BackendCpu(client, applicationName);
    await meter.#poll();
    meter.#timer = setInterval(() => void meter.#poll(), POLL_MS);
    meter.#timer.unref();
    return meter;
  }

  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const { rows } = await this.#client.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
        [this.#applicationName],
      );
      for (const { pid } of rows) if (!this.#running.has(pid)) this.#running.set(pid, backendTicks(pid) ?? 0);
      this.cpuSeconds();
    } catch {
      // the database is restarting or the meter is stopping: the next poll tries again
    } finally {
      this.#polling = false;
    }
  }

  /** CPU seconds used so far by every backend seen (a running total: subtract two readings). */
  cpuSeconds(): number {
    let total = this.#endedTicks;
    for (const [pid, last] of this.#running) {
      const now = backendTicks(pid);
      if (now === undefined) {
        this.#endedTicks += last;
        this.#running.delete(pid);
        total += last;
      } else {
        const ticks = Math.max(last, now);
        this.#running.set(pid, ticks);
        total += ticks;
      }
    }
    return total / clockTicks();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#client.end().catch(() => {});
  }
}
