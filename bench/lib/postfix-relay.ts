/**
 * The benchmark's Postfix instance as the outbound side: its smtp client relays everything not
 * local to the sink (`relayhost`), at most `concurrency` connections at once, connections cached
 * between messages as Postfix does by itself. Messages are queued through its smtpd and put on
 * hold by a header check (cleanup(8) sends them to the hold queue), then released at once:
 * `postsuper -H ALL` (hold → deferred) and `postqueue -f` (deliver the deferred queue now).
 */
import { execFile } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { nodeSource } from './node-source.ts';
import { PostfixServer } from './postfix-server.ts';

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { timeout: 120_000 }, (err, _out, stderr) =>
      err
        ? reject(new Error(`${path.basename(file)} ${args.join(' ')}: ${stderr.trim() || err.message}`))
        : resolve(),
    ),
  );
}

export interface PostfixRelayOptions {
  /** A new folder for the instance (see PostfixServer). */
  root: string;
  sinkPort: number;
  /** smtp_destination_concurrency_limit: connections to the sink at once. */
  concurrency: number;
}

/** A Postfix instance relaying to the sink. */
export class PostfixRelay {
  readonly server: PostfixServer;

  private constructor(server: PostfixServer) {
    this.server = server;
  }

  static async start(options: PostfixRelayOptions): Promise<PostfixRelay> {
    const server = await PostfixServer.start({ root: options.root, domain: 'pf.bench.test', users: ['u'] });
    try {
      const conf = server.confDir;
      const holdChecks = path.join(conf, 'hold_checks');
      // Every message the benchmark queues has a Message-ID: hold them all.
      writeFileSync(holdChecks, '/^Message-ID:/ HOLD\n');
      const settings = {
        default_transport: 'smtp',
        relay_transport: 'smtp',
        relayhost: `[127.0.0.1]:${options.sinkPort}`,
        smtp_tls_security_level: 'none',
        smtp_destination_concurrency_limit: String(options.concurrency),
        default_destination_concurrency_limit: String(options.concurrency),
        header_checks: `regexp:${holdChecks}`,
      };
      await run('/usr/sbin/postconf', [
        '-c',
        conf,
        '-e',
        ...Object.entries(settings).map(([k, v]) => `${k}=${v}`),
      ]);
      // type private unpriv chroot wakeup maxproc command: the smtp client, not chrooted.
      appendFileSync(path.join(conf, 'master.cf'), 'smtp      unix  - - n -  - smtp\n');
      await run('/usr/sbin/postfix', ['-c', conf, 'reload']);
      await sleep(1000);
    } catch (err) {
      await server.stop();
      throw err;
    }
    return new PostfixRelay(server);
  }

  /** Queues `count` messages (content from `content(i)`) through smtpd, on hold; rejects unless all are held. */
  async fill(count: number, content: (index: number) => Buffer, timeoutMs: number): Promise<void> {
    const outcome = await nodeSource({
      port: this.server.port,
      sessions: 10,
      messages: count,
      payloadBytes: 0,
      content,
      from: 'sender@bench.test',
      to: 'sink@sink.bench.test',
      helo: 'bench.test',
      reuseConnections: true,
      replyTimeoutMs: 60_000,
    });
    if (outcome.accepted !== count)
      throw new Error(`Postfix accepted ${outcome.accepted} of ${count}: ${outcome.errors.join('; ')}`);
    const deadline = Date.now() + timeoutMs;
    while (this.server.held() < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.server.held()} of ${count} messages on hold`);
      await sleep(50);
    }
  }

  /** Releases every held message for delivery now. */
  async release(): Promise<void> {
    const conf = this.server.confDir;
    await run('/usr/sbin/postsuper', ['-c', conf, '-H', 'ALL']);
    await run('/usr/sbin/postqueue', ['-c', conf, '-f']);
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}
