/**
 * Loft under test: a separate `node src/main.ts serve` process with its own data folder, the MX
 * listener (`smtp`) and optionally `pop3` on free loopback ports and every other listener off,
 * provisioned through the `loft` CLI.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { LISTENER_NAMES } from '../../src/config/schema.ts';
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
  /** A PostgreSQL URL (`postgres://…?schema=…`) instead of SQLite in the data folder. */
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
  readonly #child: ChildProcess;
  #exited = false;

  private constructor(
    child: ChildProcess,
    ports: { smtp: number; pop3: number | undefined; imap?: number | undefined },
    dataDir: string,
    logFile: string,
  ) {
    this.#child = child;
    this.pid = child.pid ?? 0;
    this.port = ports.smtp;
    this.pop3Port = ports.pop3;
    this.imapPort = ports.imap;
    this.dataDir = dataDir;
    this.logFile = logFile;
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
    const server = new LoftServer(child, { smtp: port, pop3: pop3Port, imap: imapPort }, dataDir, logFile);
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

  /**
   * Waits until at least `expected` messages are stored and the search index has caught up with
   * them (Loft indexes text in the background, after the 250): false on timeout.
   */
  async waitIndexed(expected: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const db = new DatabaseSync(path.join(this.dataDir, 'loft.db'), { readOnly: true });
      let done: boolean;
      try {
        const stored = db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number };
        const pending = db.prepare('SELECT count(*) AS n FROM search_pending').get() as { n: number };
        done = Number(stored.n) >= expected && Number(pending.n) === 0;
      } finally {
        db.close();
      }
      if (done) return true;
      if (Date.now() > deadline) return false;
      await sleep(20);
    }
  }

  /**
   * The stored bytes of every message in `address`'s INBOX, in UID order, read from `<data>/loft.db`
   * (bodies up to `inline_body_limit` are kept inline there; larger ones are not read here and
   * make this throw).
   */
  readInbox(address: string): Buffer[] {
    const db = new DatabaseSync(path.join(this.dataDir, 'loft.db'), { readOnly: true });
    try {
      const rows = db
        .prepare(
          `SELECT m.uid AS uid, m.size AS size, d.data AS data FROM messages m
             JOIN mailboxes b ON b.id = m.mailbox_id
             JOIN accounts a ON a.id = b.account_id
             LEFT JOIN blob_data d ON d.id = m.blob_id
           WHERE a.address = ? AND b.name = 'INBOX' ORDER BY m.uid`,
        )
        .all(address) as { uid: number; size: number; data: Uint8Array | null }[];
      return rows.map((row) => {
        if (!row.data) throw new Error(`message ${row.uid}: its body is not inline in loft.db`);
        const bytes = Buffer.from(row.data.buffer, row.data.byteOffset, row.data.byteLength);
        if (bytes.length !== Number(row.size)) {
          throw new Error(`message ${row.uid}: ${bytes.length} octets stored, size says ${row.size}`);
        }
        return bytes;
      });
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
