/**
 * A Postfix instance owned by the benchmark, apart from the system's own: its config, queue and
 * data folders under a temporary root, smtpd on a free loopback port, and the `virtual` delivery
 * agent writing one Maildir for the bench domain. Started with `postfix -c CONFDIR start`, so the
 * default instance (/etc/postfix) is neither read nor changed.
 */
import { execFile } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  type Dirent,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { account } from './accounts.ts';
import { freePort, waitForGreeting } from './net.ts';

const POSTFIX = '/usr/sbin/postfix';
const QUEUES = ['maildrop', 'incoming', 'active', 'deferred', 'hold'];

/** Why this machine cannot run the Postfix side, or undefined when it can. */
export function postfixUnavailable(): string | undefined {
  if (!existsSync(POSTFIX)) return 'Postfix is not installed (run bench/setup.sh as root)';
  if (process.getuid?.() !== 0) return 'a Postfix instance needs root (its master runs as root)';
  return undefined;
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(file)} ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

function mainCf(root: string, domain: string, mailUid: number, mailGid: number): string {
  return `# Written by the Loft benchmark: a throwaway instance, not the system's Postfix.
compatibility_level = 3.6
queue_directory = ${root}/queue
data_directory = ${root}/data
maillog_file = ${root}/maillog
maillog_file_prefixes = ${root}
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = postfix.bench.invalid
mydestination =
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
local_recipient_maps =
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
default_transport = error
relay_transport = error
biff = no
# Durable delivery into one Maildir per user.
virtual_mailbox_domains = ${domain}
virtual_mailbox_base = ${root}/vmail
virtual_mailbox_maps = texthash:${root}/conf/vmailbox
virtual_uid_maps = static:${mailUid}
virtual_gid_maps = static:${mailGid}
virtual_destination_concurrency_limit = 50
# Enough processes for 50 concurrent sessions, and no per-client throttling (anvil).
default_process_limit = 200
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
smtpd_client_recipient_rate_limit = 0
smtpd_client_new_tls_session_rate_limit = 0
smtpd_client_event_limit_exceptions =
`;
}

function masterCf(port: number): string {
  // type private unpriv chroot wakeup maxproc command; nothing chrooted.
  return `127.0.0.1:${port} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
virtual   unix  - n n -  - virtual
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
`;
}

function countFiles(dir: string, depth = 0): number {
  let n = 0;
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (entry.isFile()) n += 1;
    else if (entry.isDirectory() && depth < 4) n += countFiles(path.join(dir, entry.name), depth + 1);
  }
  return n;
}

/** The delivery agent runs as an unprivileged user: every folder above the Maildirs must let it pass. */
function assertTraversable(dir: string): void {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) {
      throw new Error(
        `${d} is not searchable by other users; Postfix's delivery agent could not reach its Maildir`,
      );
    }
    if (path.dirname(d) === d) return;
  }
}

export interface PostfixOptions {
  /** A new folder for the instance (made searchable by others); the folders above it must be too. */
  root: string;
  domain: string;
  /** Local parts of the mailbox users in `domain`. */
  users: string[];
}

/** A running benchmark Postfix instance. */
export class PostfixServer {
  readonly root: string;
  readonly port: number;
  readonly confDir: string;
  readonly maildirs: string[];
  readonly #pidFile: string;
  #stopped = false;

  private constructor(root: string, port: number, maildirs: string[]) {
    this.root = root;
    this.port = port;
    this.confDir = path.join(root, 'conf');
    this.maildirs = maildirs;
    this.#pidFile = path.join(root, 'queue', 'pid', 'master.pid');
  }

  /** Writes the instance's configuration, starts its master and waits for smtpd's greeting. */
  static async start(options: PostfixOptions): Promise<PostfixServer> {
    const { root, domain, users } = options;
    const owner = account('postfix');
    const mail = account('nobody');
    for (const dir of ['conf', 'queue', 'data', 'vmail'])
      mkdirSync(path.join(root, dir), { recursive: true });
    chmodSync(root, 0o755);
    assertTraversable(path.dirname(root));
    chownSync(path.join(root, 'data'), owner.uid, owner.gid);
    chownSync(path.join(root, 'vmail'), mail.uid, mail.gid);
    const port = await freePort();
    writeFileSync(path.join(root, 'conf', 'main.cf'), mainCf(root, domain, mail.uid, mail.gid));
    writeFileSync(path.join(root, 'conf', 'master.cf'), masterCf(port));
    // A trailing slash asks for Maildir delivery (virtual(8)).
    writeFileSync(path.join(root, 'conf', 'vmailbox'), users.map((u) => `${u}@${domain} ${u}/\n`).join(''));
    const server = new PostfixServer(
      root,
      port,
      users.map((u) => path.join(root, 'vmail', u)),
    );
    try {
      await run(POSTFIX, ['-c', server.confDir, 'check']);
      await run(POSTFIX, ['-c', server.confDir, 'start']);
      await waitForGreeting(port, 30_000, () => server.masterPid() !== undefined);
    } catch (err) {
      await server.stop();
      throw new Error(`Postfix did not start (see ${root}/maillog): ${(err as Error).message}`);
    }
    return server;
  }

  /** The pid of the instance's master process, from its queue's pid/master.pid. */
  masterPid(): number | undefined {
    try {
      const pid = Number(readFileSync(this.#pidFile, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 && existsSync(`/proc/${pid}`) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** Messages delivered so far: files in the users' Maildir new/ and cur/ folders. */
  countDelivered(): number {
    return this.maildirs.reduce(
      (sum, dir) => sum + countFiles(path.join(dir, 'new')) + countFiles(path.join(dir, 'cur')),
      0,
    );
  }

  /** Messages still in the queue (maildrop, incoming, active, deferred, hold). */
  queued(): number {
    return QUEUES.reduce((sum, q) => sum + countFiles(path.join(this.root, 'queue', q)), 0);
  }

  /** Messages in the hold queue. */
  held(): number {
    return countFiles(path.join(this.root, 'queue', 'hold'));
  }

  /**
   * Polls every `intervalMs` until `expected` messages are delivered and the queue is empty;
   * resolves true then, false when `timeoutMs` passes first.
   */
  async waitDelivered(expected: number, timeoutMs: number, intervalMs = 20): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.countDelivered() >= expected && this.queued() === 0) return true;
      await sleep(intervalMs);
    }
    return false;
  }

  /** Stops the instance (`postfix stop`, then `postfix abort` if the master is still there). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const pid = this.masterPid();
    if (pid === undefined) return;
    await run(POSTFIX, ['-c', this.confDir, 'stop']).catch(() => undefined);
    for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await sleep(100);
    if (existsSync(`/proc/${pid}`)) await run(POSTFIX, ['-c', this.confDir, 'abort']).catch(() => undefined);
  }
}
