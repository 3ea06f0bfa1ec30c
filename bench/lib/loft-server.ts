/**
 * Loft under test: a separate `node src/main.ts serve` process with its own data folder, the MX
 * listener (`smtp`) and optionally `pop3` on free loopback ports and every other listener off,
 * provisioned through the `loft` CLI; on SQLite in the data folder, or on PostgreSQL when given a
 * storage URL (then the CPU time of the database's backends serving it is counted as well).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LISTENER_NAMES } from '../../src/config/schema.ts';
import { type LoftStoreReader, postgresReader, sqliteReader } from './loft-store-reader.ts';
import { freePort, waitForGreeting } from './net.ts';
import { BackendCpu } from './pg-backends.ts';
import { splitStorageUrl } from './postgres.ts';
import { treeCpuSeconds } from './procfs.ts';

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
  /** Also listen for POP3 (plaintext, with STLS; USER/PASS allowed from loopback). */
  pop3?: boolean;
  /** Also listen for IMAP (plaintext, with STARTTLS; LOGIN allowed from loopback). */
  imap?: boolean;
  /** The data folder is filled already (domain, users, mail): skip the CLI provisioning. */
  provisioned?: boolean;
  /** `limits.connections` and `limits.connections_per_ip` (default 5000 each). */
  connections?: number;
  /** Extra options for node, before the script (e.g. `--cpu-prof`). */
  nodeOptions?: string[];
  /** Password of every user (default "bench-password"). */
  password?: string;
  /**
   * A PostgreSQL URL (`postgres://…?schema=…`, see bench/lib/postgres.ts) instead of SQLite in
   * the data folder. Its `application_name`, if any, names the backends whose CPU is counted.
   */
  storage?: string;
  /** More TOML for loft.toml (whole tables, e.g. `[queue]`). */
  extraConfig?: string;
}

/** The password the benchmark's users get unless another is given. */
export const DEFAULT_PASSWORD = 'bench-password';

/** A running Loft process; `stop()` ends it with SIGTERM (SIGKILL after 10 s). */
export class LoftServer {
  readonly pid: number;
  /** The MX (smtp) port. */
  readonly port: number;
  /** The POP3 port, when started with `pop3`. */
  readonly pop3Port: number | undefined;
  /** The IMAP port, when started with `imap`. */
  readonly imapPort: number | undefined;
  readonly dataDir: string;
  readonly logFile: string;
  /** The PostgreSQL URL it runs on; undefined on SQLite. */
  readonly storage: string | undefined;
  readonly #child: ChildProcess;
  readonly #reader: LoftStoreReader;
  readonly #backends: BackendCpu | undefined;
  #exited = false;

  private constructor(
    child: ChildProcess,
    ports: { smtp: number; pop3: number | undefined; imap?: number | undefined },
    dataDir: string,
    logFile: string,
    storage: { url: string; backends: BackendCpu | undefined } | undefined,
  ) {
    this.#child = child;
    this.pid = child.pid ?? 0;
    this.port = ports.smtp;
    this.pop3Port = ports.pop3;
    this.imapPort = ports.imap;
    this.dataDir = dataDir;
    this.logFile = logFile;
    this.storage = storage?.url;
    this.#reader = storage ? postgresReader(storage.url) : sqliteReader(dataDir);
    this.#backends = storage?.backends;
    child.once('exit', () => {
      this.#exited = true;
    });
  }

  /**
   * Starts Loft and provisions `domain` and `users` (all with the same password) while it boots;
   * resolves once the domain and users exist and the MX (and POP3) port greets.
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
        ...(options.storage ? [`storage = ${JSON.stringify(options.storage)}`] : []),
        '[limits]',
        `connections = ${options.connections ?? 5000}`,
        `connections_per_ip = ${options.connections ?? 5000}`,
        // Postfix here checks no SPF, DKIM or DMARC, and the benchmark has no DNS to ask: the
        // comparison is of acceptance and storage alone.
        '[auth]',
        'verify_mx = false',
        // The idle-connection measurement opens them all as one user.
        '[imap]',
        `max_connections_per_user = ${options.connections ?? 5000}`,
        options.extraConfig ?? '',
        '',
      ].join('\n'),
    );
    const logFile = path.join(options.root, 'loft.log');
    // The first CLI call creates and migrates the database; the users are then added while the
    // server boots (the CLI works against a running server), which saves a few seconds.
    const storage = options.storage ? ['--storage', options.storage] : [];
    if (!options.provisioned) await cli(dataDir, [...storage, 'domain', 'add', options.domain]);
    const provisioning = (async () => {
      if (options.provisioned) return;
      for (const user of options.users) {
        await cli(
          dataDir,
          [...storage, 'user', 'add', user, '--password-stdin'],
          `${options.password ?? DEFAULT_PASSWORD}\n`,
        );
      }
    })();
    provisioning.catch(() => undefined); // awaited below; this only keeps an early failure "handled"
    const port = await freePort();
    const pop3Port = options.pop3 ? await freePort() : undefined;
    const imapPort = options.imap ? await freePort() : undefined;
    const listen: Record<string, string> = Object.fromEntries(LISTENER_NAMES.map((name) => [name, 'off']));
    listen.smtp = `127.0.0.1:${port}`;
    if (pop3Port !== undefined) listen.pop3 = `127.0.0.1:${pop3Port}`;
    if (imapPort !== undefined) listen.imap = `127.0.0.1:${imapPort}`;
    // On PostgreSQL, follow the backends that will serve the process (named by application_name).
    const applicationName = options.storage && new URL(options.storage).searchParams.get('application_name');
    const backends =
      options.storage && applicationName
        ? await BackendCpu.start(splitStorageUrl(options.storage).database, applicationName)
        : undefined;
    const log = openSync(logFile, 'a');
    const nodeArgs = [
      ...(options.nodeOptions ?? []),
      MAIN,
      'serve',
      '--config',
      configFile,
      '--data',
      dataDir,
      ...Object.entries(listen).flatMap(([name, address]) => ['--listen', `${name}=${address}`]),
    ];
    const child = spawn(process.execPath, nodeArgs, { cwd: REPO, stdio: ['ignore', log, log] });
    closeSync(log);
    const server = new LoftServer(
      child,
      { smtp: port, pop3: pop3Port, imap: imapPort },
      dataDir,
      logFile,
      options.storage ? { url: options.storage, backends } : undefined,
    );
    const alive = (): boolean => !server.#exited;
    try {
      await Promise.all([
        provisioning,
        waitForGreeting(port, 60_000, alive),
        pop3Port === undefined ? undefined : waitForGreeting(pop3Port, 60_000, alive, 'pop3'),
        imapPort === undefined ? undefined : waitForGreeting(imapPort, 60_000, alive, 'imap'),
      ]);
    } catch (err) {
      await server.stop();
      throw new Error(`Loft did not start (see ${logFile}): ${(err as Error).message}`);
    }
    return server;
  }

  /** Messages stored in every mailbox, read from the `messages` table (SQLite or PostgreSQL). */
  countStored(): Promise<number> {
    return this.#reader.countMessages();
  }

  /**
   * Waits until at least `expected` messages are stored and the search index has caught up with
   * them (Loft indexes text in the background, after the 250): false on timeout.
   */
  async waitIndexed(expected: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // The backlog first: while it is not empty (most of the wait), the count is not needed.
      if ((await this.#reader.searchBacklogEmpty()) && (await this.#reader.countMessages()) >= expected)
        return true;
      if (Date.now() > deadline) return false;
      await sleep(20);
    }
  }

  /**
   * The stored bytes of every message in `address`'s INBOX, in UID order, read from the database
   * (bodies up to `inline_body_limit` are kept inline there; larger ones are not read here and
   * make this reject).
   */
  readInbox(address: string): Promise<Buffer[]> {
    return this.#reader.inbox(address);
  }

  /**
   * CPU seconds (user + system) used so far by Loft's process and, on PostgreSQL, by the
   * database's backends serving it (bench/lib/pg-backends.ts): a running total.
   */
  cpuSeconds(): number {
    return treeCpuSeconds(this.pid) + (this.#backends?.cpuSeconds() ?? 0);
  }

  get running(): boolean {
    return !this.#exited;
  }

  /** Stops the process: SIGTERM, then SIGKILL if it has not exited within 10 s. */
  async stop(): Promise<void> {
    if (!this.#exited) {
      this.#child.kill('SIGTERM');
      for (let i = 0; i < 100 && !this.#exited; i++) await sleep(100);
      if (!this.#exited) this.#child.kill('SIGKILL');
    }
    await Promise.all([this.#reader.close(), this.#backends?.stop()]);
  }
}
