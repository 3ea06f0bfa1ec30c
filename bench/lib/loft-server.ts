/**
 * Loft under test: a separate `node src/main.ts serve` process with its own data folder, only the
 * MX listener (`smtp`) on a free loopback port, provisioned through the `loft` CLI.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, waitForGreeting } from './net.ts';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const MAIN = path.join(REPO, 'src', 'main.ts');

/** Runs the `loft` CLI with `args` against `dataDir`; rejects with its stderr on failure. */
function cli(dataDir: string, args: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [MAIN, '--data', dataDir, ...args],
      { cwd: REPO, timeout: 60_000 },
      (err, _stdout, stderr) => {
        if (err) reject(new Error(`loft ${args.join(' ')}: ${stderr.trim() || err.message}`));
        else resolve();
      },
    );
    child.stdin?.end(input ?? '');
  });
}

export interface LoftOptions {
  /** An empty folder owned by the benchmark: gets data/, loft.toml and loft.log. */
  root: string;
  domain: string;
  users: string[];
}

/** A running Loft process; `stop()` ends it with SIGTERM (SIGKILL after 10 s). */
export class LoftServer {
  readonly pid: number;
  readonly port: number;
  readonly dataDir: string;
  readonly logFile: string;
  readonly #child: ChildProcess;
  #exited = false;

  private constructor(child: ChildProcess, port: number, dataDir: string, logFile: string) {
    this.#child = child;
    this.pid = child.pid ?? 0;
    this.port = port;
    this.dataDir = dataDir;
    this.logFile = logFile;
    child.once('exit', () => {
      this.#exited = true;
    });
  }

  /**
   * Starts Loft and provisions `domain` and `users` (all with the same password) while it boots;
   * resolves once the domain and users exist and the MX port greets.
   */
  static async start(options: LoftOptions): Promise<LoftServer> {
    const dataDir = path.join(options.root, 'data');
    await mkdir(dataDir, { recursive: true });
    const configFile = path.join(options.root, 'loft.toml');
    // One client IP opens up to `concurrency` connections at once, and a closing connection may
    // still be counted when the client's next one arrives: lift the per-IP cap for the benchmark,
    // as the Postfix instance's anvil limits are lifted.
    writeFileSync(
      configFile,
      [
        'hostname = "loft.bench.invalid"',
        '[limits]',
        'connections = 5000',
        'connections_per_ip = 5000',
        '',
      ].join('\n'),
    );
    const logFile = path.join(options.root, 'loft.log');
    // The first CLI call creates and migrates the database; the users are then added while the
    // server boots (the CLI works against a running server), which saves a few seconds.
    await cli(dataDir, ['domain', 'add', options.domain]);
    const provisioning = (async () => {
      for (const user of options.users) {
        await cli(dataDir, ['user', 'add', user, '--password-stdin'], 'bench-password\n');
      }
    })();
    provisioning.catch(() => undefined); // awaited below; this only keeps an early failure "handled"
    const port = await freePort();
    const log = openSync(logFile, 'a');
    const child = spawn(
      process.execPath,
      [
        MAIN,
        'serve',
        '--config',
        configFile,
        '--data',
        dataDir,
        '--listen',
        `smtp=127.0.0.1:${port}`,
        '--listen',
        'submission=off',
        '--listen',
        'submissions=off',
      ],
      { cwd: REPO, stdio: ['ignore', log, log] },
    );
    closeSync(log);
    const server = new LoftServer(child, port, dataDir, logFile);
    try {
      await Promise.all([provisioning, waitForGreeting(port, 60_000, () => !server.#exited)]);
    } catch (err) {
      await server.stop();
      throw new Error(`Loft did not start (see ${logFile}): ${(err as Error).message}`);
    }
    return server;
  }

  /** Messages stored in every mailbox, read from the `messages` table of `<data>/loft.db`. */
  countStored(): number {
    const db = new DatabaseSync(path.join(this.dataDir, 'loft.db'), { readOnly: true });
    try {
      const row = db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number } | undefined;
      return Number(row?.n ?? 0);
    } finally {
      db.close();
    }
  }

  get running(): boolean {
    return !this.#exited;
  }

  /** Stops the process: SIGTERM, then SIGKILL if it has not exited within 10 s. */
  async stop(): Promise<void> {
    if (this.#exited) return;
    this.#child.kill('SIGTERM');
    for (let i = 0; i < 100 && !this.#exited; i++) await sleep(100);
    if (!this.#exited) this.#child.kill('SIGKILL');
  }
}
