/**
 * A Dovecot instance owned by the benchmark, apart from the system's own: one configuration file
 * written under a temporary root (`base_dir`, `state_dir`, log, users file and Maildir all below
 * it), only POP3 or only IMAP, one plaintext listener on a free loopback port, one passwd-file
 * user. Started with `dovecot -c FILE`, so /etc/dovecot is neither read nor changed, and stopped
 * with `dovecot -c FILE stop`.
 *
 * Everything else is Dovecot's default, as Debian ships it: it is a fair opponent, not a tuned
 * or a crippled one. Like Loft's default (`pop3.retr_sets_seen`), it marks retrieved messages
 * \Seen (`pop3_no_flag_updates = no`).
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { account, hasAccount } from './accounts.ts';
import { freePort, waitForGreeting } from './net.ts';
import { allStats, processTree } from './procfs.ts';

const DOVECOT = '/usr/sbin/dovecot';
/** The processes that serve one session, and end with it. */
const SESSION_PROCESSES = new Set(['pop3', 'pop3-login', 'imap', 'imap-login']);
/** The accounts Debian's dovecot-core creates: login processes, internal processes. */
const LOGIN_USER = 'dovenull';
const INTERNAL_USER = 'dovecot';
/** Who owns the mail and runs the POP3 processes (as Postfix's benchmark instance delivers). */
const MAIL_USER = 'nobody';

/** Why this machine cannot run the Dovecot side for `protocol`, or undefined when it can. */
export function dovecotUnavailable(protocol: DovecotProtocol = 'pop3'): string | undefined {
  if (!existsSync(DOVECOT)) return 'Dovecot is not installed (run bench/setup.sh as root)';
  if (!existsSync(`/usr/lib/dovecot/${protocol}`))
    return `Dovecot's ${protocol.toUpperCase()} server is not installed (run bench/setup.sh as root: dovecot-${protocol}d)`;
  if (process.getuid?.() !== 0) return 'a Dovecot instance needs root (its master runs as root)';
  for (const name of [LOGIN_USER, INTERNAL_USER, MAIL_USER]) {
    if (!hasAccount(name)) return `no local account ${name} (Debian's dovecot-core creates it)`;
  }
  return undefined;
}

/** `dovecot --version`, e.g. "2.3.19.1 (9b53102964)", or undefined when it is not installed. */
export function dovecotVersion(): string | undefined {
  try {
    return execFileSync(DOVECOT, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Runs `dovecot ARGS`. Its output goes to a file, not a pipe: the daemon keeps the descriptors it
 * inherits, so a pipe would stay open as long as the instance runs.
 */
function run(args: string[], outputFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = openSync(outputFile, 'a');
    const child = spawn(DOVECOT, args, { stdio: ['ignore', out, out], timeout: 60_000 });
    closeSync(out);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else {
        const output = readFileSync(outputFile, 'utf8').trim().split('\n').slice(-5).join(' / ');
        reject(new Error(`dovecot ${args.join(' ')}: ${output || `exit ${code ?? signal}`}`));
      }
    });
  });
}

/** Throws unless every folder from `dir` up is searchable by others (the unprivileged processes pass through). */
function assertTraversable(dir: string): void {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) {
      throw new Error(
        `${d} is not searchable by other users; Dovecot's processes could not reach their files`,
      );
    }
    if (path.dirname(d) === d) return;
  }
}

/** The protocol an instance serves. */
export type DovecotProtocol = 'pop3' | 'imap';

/**
 * The instance's configuration (Dovecot 2.3 syntax). For IMAP, `clients` raises the limits that
 * would refuse that many connections at once (Debian's defaults: 100 processes per service,
 * 10 connections per user and IP); every other setting stays Dovecot's default.
 */
export function dovecotConf(
  root: string,
  port: number,
  protocol: DovecotProtocol = 'pop3',
  clients = 0,
): string {
  const mail = account(MAIL_USER);
  return `# Written by the Loft benchmark: a throwaway instance, not the system's Dovecot.
instance_name = loft-bench-${port}
base_dir = ${root}/run
state_dir = ${root}/state
log_path = ${root}/dovecot.log
protocols = ${protocol}
listen = 127.0.0.1
ssl = no
# USER/PASS and AUTH PLAIN over plaintext, as Loft allows from loopback.
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = ${LOGIN_USER}
default_internal_user = ${INTERNAL_USER}
mail_uid = ${mail.uid}
mail_gid = ${mail.gid}
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = username_format=%u ${root}/users
}
userdb {
  driver = passwd-file
  args = username_format=%u ${root}/users
}
${protocol === 'pop3' ? pop3Services(port) : imapServices(port, clients)}`;
}

function pop3Services(port: number): string {
  return `service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener pop3s {
    port = 0
  }
}
`;
}

/**
 * IMAP: one process per connection (Dovecot's default), login processes in the default
 * high-security mode (one per connection, gone once the session is handed over); the limits
 * raised to `clients` connections at once. IMAP hibernation stays off, as by default.
 */
function imapServices(port: number, clients: number): string {
  const n = Math.max(clients, 100) + 100;
  return `mail_max_userip_connections = ${n}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
  process_limit = ${n}
}
service imap {
  process_limit = ${n}
}
service anvil {
  client_limit = ${2 * n + 100}
}
service auth {
  client_limit = ${2 * n + 100}
}
`;
}

/**
 * The size of `message` with every line end counted as CRLF: what Dovecot calls the virtual
 * size (`W=` in a Maildir file name) and serves in LIST and RETR.
 */
export function virtualSize(message: Buffer): number {
  let bareLf = 0;
  for (let i = message.indexOf(0x0a); i >= 0; i = message.indexOf(0x0a, i + 1)) {
    if (i === 0 || message[i - 1] !== 0x0d) bareLf += 1;
  }
  return message.length + bareLf;
}

export interface DovecotOptions {
  /** A new folder for the instance (made searchable by others); the folders above it must be too. */
  root: string;
  /** The login name (the benchmark uses the same full address as for Loft). */
  user: string;
  password: string;
  /** POP3 (default) or IMAP. */
  protocol?: DovecotProtocol;
  /** IMAP: connections the instance must take at once (its limits are raised to that). */
  clients?: number;
}

/** A running benchmark Dovecot instance. */
export class DovecotServer {
  readonly root: string;
  readonly port: number;
  readonly confFile: string;
  /** The user's Maildir (new/, cur/, tmp/). */
  readonly maildir: string;
  readonly #pidFile: string;
  /** Where the `dovecot` command's own output goes (the instance logs to dovecot.log). */
  readonly #output: string;
  readonly #mail: { uid: number; gid: number };
  #delivered = 0;
  #stopped = false;

  private constructor(root: string, port: number) {
    this.root = root;
    this.port = port;
    this.confFile = path.join(root, 'dovecot.conf');
    this.maildir = path.join(root, 'home', 'Maildir');
    this.#pidFile = path.join(root, 'run', 'master.pid');
    this.#output = path.join(root, 'dovecot.out');
    this.#mail = account(MAIL_USER);
  }

  /** Writes the configuration, the users file and an empty Maildir, starts the master, waits for the greeting. */
  static async start(options: DovecotOptions): Promise<DovecotServer> {
    const { root } = options;
    if (/[\s:]/.test(options.user) || /[\s:]/.test(options.password) || /[\s:]/.test(root)) {
      throw new Error('the Dovecot user, password and folder must not hold spaces or colons');
    }
    const port = await freePort();
    const server = new DovecotServer(root, port);
    const mail = server.#mail;
    mkdirSync(root, { recursive: true });
    chmodSync(root, 0o755); // the login, auth and mail processes run unprivileged
    assertTraversable(root);
    for (const dir of ['run', 'state']) mkdirSync(path.join(root, dir), { recursive: true });
    const home = path.join(root, 'home');
    for (const dir of [
      home,
      server.maildir,
      ...['new', 'cur', 'tmp'].map((d) => path.join(server.maildir, d)),
    ]) {
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o700);
      chownSync(dir, mail.uid, mail.gid);
    }
    // passwd-file fields: user:password:uid:gid:gecos:home:shell:extra; read by the auth process.
    const users = path.join(root, 'users');
    // The password is kept as Dovecot's memory-hard ARGON2ID hash, as Loft keeps a scrypt hash:
    // both servers pay a comparable cost at each login.
    const hash = execFileSync('doveadm', ['pw', '-s', 'ARGON2ID', '-p', options.password], {
      encoding: 'utf8',
    }).trim();
    writeFileSync(users, `${options.user}:${hash}:${mail.uid}:${mail.gid}::${home}::\n`, {
      mode: 0o600,
    });
    const internal = account(INTERNAL_USER);
    chownSync(users, internal.uid, internal.gid);
    const protocol = options.protocol ?? 'pop3';
    writeFileSync(server.confFile, dovecotConf(root, port, protocol, options.clients ?? 0));
    try {
      await run(['-c', server.confFile], server.#output);
      // The master writes its pid file just after daemonizing: allow it a moment to appear.
      const grace = Date.now() + 5000;
      await waitForGreeting(
        port,
        30_000,
        () => server.masterPid() !== undefined || Date.now() < grace,
        protocol,
      );
    } catch (err) {
      await server.stop();
      throw new Error(`Dovecot did not start (see ${root}/dovecot.log): ${(err as Error).message}`);
    }
    return server;
  }

  /**
   * Puts `messages` in the Maildir's new/ as a delivery agent does (written in tmp/, renamed into
   * new/, owned by the mail user), named with their size and virtual size (`,S=…,W=…`) as
   * Dovecot's own delivery names them, in order. Returns how many were written.
   */
  deliver(messages: Iterable<Buffer>): number {
    const stamp = Math.floor(Date.now() / 1000);
    let n = 0;
    for (const message of messages) {
      const seq = ++this.#delivered;
      const name = `${stamp}.M${String(seq).padStart(7, '0')}P${process.pid}.loft-bench,S=${message.length},W=${virtualSize(message)}`;
      const tmp = path.join(this.maildir, 'tmp', name);
      writeFileSync(tmp, message, { mode: 0o600 });
      chownSync(tmp, this.#mail.uid, this.#mail.gid);
      renameSync(tmp, path.join(this.maildir, 'new', name));
      n += 1;
    }
    return n;
  }

  /**
   * Writes `messages` straight into the Maildir's cur/, as files already seen by a client would
   * be: named `<date>.M<n>P<pid>.loft-bench,S=<size>,W=<virtual size>:2,<flags>` (maildir
   * info: F flagged, R answered, S seen), modified at their date (Dovecot's INTERNALDATE), owned
   * by the mail user. Dovecot gives them UIDs in the order of the time in their names when it
   * first indexes the folder. Returns how many were written.
   */
  deliverToCur(
    messages: Iterable<{ raw: Buffer; date: number; seen: boolean; flagged: boolean; answered: boolean }>,
  ): number {
    let n = 0;
    for (const message of messages) {
      const seq = ++this.#delivered;
      const flags = `${message.flagged ? 'F' : ''}${message.answered ? 'R' : ''}${message.seen ? 'S' : ''}`;
      const name = `${message.date}.M${seq}P${process.pid}.loft-bench,S=${message.raw.length},W=${virtualSize(message.raw)}:2,${flags}`;
      const file = path.join(this.maildir, 'cur', name);
      writeFileSync(file, message.raw, { mode: 0o600 });
      chownSync(file, this.#mail.uid, this.#mail.gid);
      utimesSync(file, message.date, message.date);
      n += 1;
    }
    return n;
  }

  /** The pid of the instance's master process, from `base_dir`/master.pid. */
  masterPid(): number | undefined {
    try {
      const pid = Number(readFileSync(this.#pidFile, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 && existsSync(`/proc/${pid}`) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Waits until no session process (pop3, pop3-login, imap, imap-login) is left under the master, so a session's
   * CPU time has been reaped into the master's; resolves false after `timeoutMs`.
   */
  async waitSessionsEnded(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pid = this.masterPid();
      if (pid === undefined) return true;
      const busy = processTree(pid, allStats()).some(
        (p) => p.pid !== pid && SESSION_PROCESSES.has(p.comm) && p.state !== 'Z',
      );
      if (!busy) return true;
      if (Date.now() >= deadline) return false;
      await sleep(10);
    }
  }

  /** Stops the instance (`dovecot stop`, then SIGKILL to the master if it is still there after 10 s). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const pid = this.masterPid();
    if (pid === undefined) return;
    await run(['-c', this.confFile, 'stop'], this.#output).catch(() => undefined);
    for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await sleep(100);
    if (existsSync(`/proc/${pid}`)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
}
