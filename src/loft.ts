/**
 * Building and starting a whole Loft server from a configuration: the composition root used by
 * `loft serve` and by the tests, which start it in-process on port 0.
 */
import { decideInbound } from './auth/inbound.ts';
import { deliverToDomain, SessionPool } from './client/smtp/outbound.ts';
import { effectiveHostname } from './config/load.ts';
import { type Config, LISTENER_NAMES, type ListenerName } from './config/schema.ts';
import { type Logger, silentLogger } from './core/log.ts';
import { FailureLimiter, SessionCounter } from './core/rate-limit.ts';
import { loadSecret } from './core/secret.ts';
import { NodeResolver } from './dns/node-resolver.ts';
import type { Resolver } from './dns/resolver.ts';
import { type LoftServices, openServices } from './open-services.ts';
import { imapListener } from './server/imap/server.ts';
import type { ImapServices } from './server/imap/services.ts';
import {
  ConnectionLimiter,
  type ListenerOptions,
  type RunningListener,
  startListener,
} from './server/net/listener.ts';
import { loadTls } from './server/net/tls.ts';
import { pop3Listener } from './server/pop3/server.ts';
import type { Pop3Services } from './server/pop3/services.ts';
import { smtpListener } from './server/smtp/server.ts';
import type { SmtpServices } from './server/smtp/services.ts';
import { queuedWork } from './services/delivery/delivery.ts';
import { sweepOrphanBlobs } from './services/delivery/sweeper.ts';
import { QueueRunner } from './services/queue/runner.ts';
import { FLAG_BITS } from './store/store.ts';

export { type LoftServices, openServices };

export interface RunningLoft {
  services: LoftServices;
  hostname: string;
  /** The one DNS resolver of this server (from `dns.*`, or the one given to {@link startLoft}). */
  resolver: Resolver;
  /** The bound address of each started listener (the first, when several are configured). */
  ports: Partial<Record<ListenerName, number>>;
  listeners: RunningListener[];
  /** The outbound queue runner, unless `queue.enabled` is false. */
  queue: QueueRunner | undefined;
  stop(): Promise<void>;
}

/** What {@link startLoft} may be given instead of building it from the configuration. */
export interface StartOptions {
  log?: Logger;
  /** The DNS resolver; default a {@link NodeResolver} over `dns.servers` (the system's when empty). */
  resolver?: Resolver;
}

/** Builds the resolver the configuration asks for. */
export function resolverFor(config: Config): Resolver {
  return new NodeResolver({
    servers: config.dns.servers,
    timeoutMs: config.dns.timeout * 1000,
    tries: config.dns.tries,
  });
}

/** Starts every configured listener; `stop` closes them, waits for sessions, and closes storage. */
export async function startLoft(config: Config, options: StartOptions = {}): Promise<RunningLoft> {
  const log = options.log ?? silentLogger();
  const hostname = effectiveHostname(config);
  const resolver = options.resolver ?? resolverFor(config);
  const services = await openServices(config.data, {
    inlineBodyLimit: config.inline_body_limit,
    storage: config.storage,
    dkimSign: config.auth.dkim_sign,
  });
  const tls = await loadTls({
    certFile: config.tls.cert,
    keyFile: config.tls.key,
    dataDir: config.data,
    hostname,
  });
  const secret = loadSecret(config.data);
  const shutdown = new AbortController();
  const limiter = new ConnectionLimiter({
    connections: config.limits.connections,
    connectionsPerIp: config.limits.connections_per_ip,
  });
  const authFailures = new FailureLimiter({
    max: config.auth.max_failures_per_ip,
    windowMs: config.auth.failure_window * 1000,
  });
  const userSessions = new SessionCounter(config.imap.max_connections_per_user);
  const listeners: RunningListener[] = [];
  const ports: RunningLoft['ports'] = {};
  const queue = config.queue.enabled ? queueRunner(config, hostname, resolver, services, log) : undefined;
  try {
    // Every listener of every protocol, built the same way from its configured addresses.
    const factories: Record<ListenerName, (host: string, port: number) => ListenerOptions> = {
      smtp: (host, port) => smtpSpec('smtp', host, port),
      submission: (host, port) => smtpSpec('submission', host, port),
      submissions: (host, port) => smtpSpec('submissions', host, port),
      pop3: (host, port) => pop3Spec('pop3', host, port),
      pop3s: (host, port) => pop3Spec('pop3s', host, port),
      imap: (host, port) => imapSpec('imap', host, port),
      imaps: (host, port) => imapSpec('imaps', host, port),
    };
    const common = { config, hostname, tls, authFailures, secret };
    const actions = { onReject: config.dmarc.on_reject, onQuarantine: config.dmarc.on_quarantine };
    const inboundCheck: NonNullable<SmtpServices['checkInbound']> = async (origin) => {
      const { content, ...envelope } = origin;
      const decision = await decideInbound(Buffer.concat(content), envelope, { resolver, hostname, actions });
      return { authResults: decision.authResults, action: decision.action, reason: decision.reason };
    };
    function smtpSpec(
      name: 'smtp' | 'submission' | 'submissions',
      host: string,
      port: number,
    ): ListenerOptions {
      return smtpListener({
        ...common,
        name,
        host,
        port,
        services: smtpServices(services, config.auth.verify_mx ? inboundCheck : undefined, queue),
      });
    }
    function pop3Spec(name: 'pop3' | 'pop3s', host: string, port: number): ListenerOptions {
      return pop3Listener({ ...common, name, host, port, services: pop3Services(services) });
    }
    function imapSpec(name: 'imap' | 'imaps', host: string, port: number): ListenerOptions {
      return imapListener({ ...common, name, host, port, services: imapServices(services), userSessions });
    }
    for (const name of LISTENER_NAMES) {
      for (const hostPort of config.listen[name]) {
        const { host, port } = splitHostPort(hostPort);
        const running = await startListener(factories[name](host, port), limiter, log, shutdown.signal);
        listeners.push(running);
        ports[name] ??= running.address.port;
      }
    }
  } catch (err) {
    shutdown.abort();
    await Promise.allSettled(listeners.map((l) => l.close()));
    await services.store.close();
    throw err;
  }
  services.search.start((err) => log.warn({ event: 'search.index.failed', err }));
  queue?.start();
  // Files left by a crash between fsync and commit (never acknowledged) are removed in the background.
  void sweepOrphanBlobs(services.store, services.blobs).then(
    (removed) => removed > 0 && log.info({ event: 'blobs.swept', removed }),
    (err: unknown) => log.warn({ event: 'blobs.sweep.failed', err }),
  );
  return {
    services,
    hostname,
    resolver,
    ports,
    listeners,
    queue,
    async stop(): Promise<void> {
      shutdown.abort();
      await Promise.allSettled(listeners.map((l) => l.close()));
      await queue?.stop();
      await services.search.stop();
      await services.store.close();
    },
  };
}

/** The outbound queue runner over Loft's SMTP client, as `[queue]` configures it. */
function queueRunner(
  config: Config,
  hostname: string,
  resolver: Resolver,
  services: LoftServices,
  log: Logger,
): QueueRunner {
  const q = config.queue;
  const s = (seconds: number): number => Math.round(seconds * 1000);
  const pool =
    q.reuse_idle > 0
      ? new SessionPool({ idleMs: s(q.reuse_idle), maxIdlePerServer: q.concurrency })
      : undefined;
  return new QueueRunner({
    store: services.store,
    blobs: services.blobs,
    delivery: services.delivery,
    hostname,
    log,
    isLocalDomain: (domain) => services.directory.isLocalDomain(domain),
    resolveLocal: (address) => services.directory.resolve(address),
    settings: {
      lease: s(q.lease),
      concurrency: q.concurrency,
      poll: s(q.poll_interval),
      retryBase: s(q.retry_initial),
      retryFactor: q.retry_factor,
      retryMax: s(q.retry_max),
      maxAge: s(q.max_age),
      delayNotice: s(q.delay_notice),
    },
    transport: {
      send: (domain, envelope, content, signal) =>
        deliverToDomain(domain, envelope, content, {
          resolver,
          heloName: hostname,
          localNames: [hostname.toLowerCase()],
          port: q.port,
          localAddress: q.source_address,
          timeouts: { connect: s(q.connect_timeout), ...replyTimeouts(q.reply_timeout) },
          signal,
          pool,
        }),
      close: async () => pool?.close(),
    },
  });
}

/** Every SMTP client timeout but `connect` set to `seconds` (`queue.reply_timeout`), or none. */
function replyTimeouts(seconds: number | undefined): Record<string, number> {
  if (seconds === undefined) return {};
  const ms = Math.round(seconds * 1000);
  const names = ['initial', 'command', 'mail', 'rcpt', 'dataInit', 'dataBlock', 'dataEnd'];
  return Object.fromEntries(names.map((name) => [name, ms]));
}

/** The SMTP sessions' view of the services; a message queued wakes the runner. */
function smtpServices(
  services: LoftServices,
  checkInbound: SmtpServices['checkInbound'],
  queue: QueueRunner | undefined,
): Omit<SmtpServices, 'authFailures'> {
  const { directory, delivery } = services;
  return {
    ...(checkInbound ? { checkInbound } : {}),
    route: (address) => directory.route(address),
    accountId: async (address) => (await directory.getAccount(address))?.id,
    credentials: directory,
    deliver: async (message, id) => {
      const receipt = await delivery.deliver(message, id);
      if (queuedWork(receipt)) queue?.wake();
      return receipt;
    },
    primaryDomain: async () => (await directory.listDomains())[0]?.name,
  };
}

/** The IMAP sessions' view of the services. */
function imapServices(services: LoftServices): Omit<ImapServices, 'authFailures' | 'userSessions'> {
  const { directory, mailboxes, delivery } = services;
  return {
    credentials: directory,
    accountId: async (address) => (await directory.getAccount(address))?.id,
    mailboxes,
    append: (mailboxId, messages) => delivery.appendAll(mailboxId, messages),
  };
}

/** The POP3 sessions' view of the services: the INBOX as the maildrop. */
function pop3Services(services: LoftServices): Omit<Pop3Services, 'authFailures'> {
  const { directory, mailboxes } = services;
  const seen = FLAG_BITS['\\Seen'];
  return {
    credentials: directory,
    accountId: async (address) => (await directory.getAccount(address))?.id,
    async openInbox(accountId) {
      const inbox = await mailboxes.inbox(accountId);
      const messages = await mailboxes.messages(inbox.id);
      return {
        mailboxId: inbox.id,
        uidValidity: inbox.uidValidity,
        messages: messages.map((m) => ({
          uid: m.uid,
          size: m.size,
          blobId: m.blobId,
          seen: (m.flags & seen) !== 0,
        })),
      };
    },
    read: (message, start, end) => mailboxes.read(message, start, end),
    readMany: (messages) => mailboxes.readMany(messages),
    markSeen: async (mailboxId, uids) => {
      await mailboxes.setFlags(mailboxId, uids, { add: seen });
    },
    expunge: (mailboxId, uids) => mailboxes.expunge(mailboxId, uids),
    lock: (name, owner, leaseMs) => mailboxes.lock(name, owner, leaseMs),
    unlock: (name, owner) => mailboxes.unlock(name, owner),
  };
}

/** Splits `host:port` or `[v6]:port`. */
export function splitHostPort(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  const host = text.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(text.slice(at + 1)) };
}
