/**
 * TCP listeners for every protocol: plain or implicit TLS (RFC 8314), connection limits in total
 * and per client IP, a connection id and child logger per connection, and graceful shutdown.
 */
import net from 'node:net';
import { type SecureContext, TLSSocket } from 'node:tls';
import { type Logger, newConnectionId } from '../../core/log.ts';
import { Connection, normalizeIp } from './connection.ts';

export interface ConnectionContext {
  cid: string;
  log: Logger;
  /** Aborted when the server shuts down: sessions say goodbye and close. */
  shutdown: AbortSignal;
  /** The listener's name (smtp, submission, …). */
  listener: string;
}

export interface ListenerOptions {
  name: string;
  host: string;
  port: number;
  /** Set for implicit TLS listeners (submissions, imaps, pop3s). */
  tls?: SecureContext | undefined;
  handshakeTimeoutMs?: number;
  /** Serves one connection; the promise settles when the session is over. */
  handle: (conn: Connection, ctx: ConnectionContext) => Promise<void>;
  /** Says the protocol's "too busy" reply and closes (e.g. SMTP 421). */
  refuse: (conn: Connection, reason: string) => Promise<void>;
}

export interface Limits {
  connections: number;
  connectionsPerIp: number;
}

/** Counts open connections in total and per IP across all listeners. */
export class ConnectionLimiter {
  readonly #perIp = new Map<string, number>();
  #total = 0;
  readonly #limits: Limits;

  constructor(limits: Limits) {
    this.#limits = limits;
  }

  /** Takes a slot, or returns why not. */
  acquire(ip: string): string | undefined {
    if (this.#total >= this.#limits.connections) return 'too many connections';
    const count = this.#perIp.get(ip) ?? 0;
    if (count >= this.#limits.connectionsPerIp) return 'too many connections from your address';
    this.#perIp.set(ip, count + 1);
    this.#total++;
    return undefined;
  }

  release(ip: string): void {
    const count = this.#perIp.get(ip) ?? 0;
    if (count <= 1) this.#perIp.delete(ip);
    else this.#perIp.set(ip, count - 1);
    this.#total--;
  }

  get total(): number {
    return this.#total;
  }
}

/** A started listener; `close` stops accepting and waits for sessions to end. */
export interface RunningListener {
  name: string;
  address: net.AddressInfo;
  close(): Promise<void>;
}

export async function startListener(
  options: ListenerOptions,
  limiter: ConnectionLimiter,
  log: Logger,
  shutdown: AbortSignal,
): Promise<RunningListener> {
  const sessions = new Set<Promise<void>>();
  // allowHalfOpen: a client may send FIN after its last command and still read every reply.
  const server = net.createServer({ noDelay: true, pauseOnConnect: false, allowHalfOpen: true }, (socket) => {
    const session = serve(socket).catch((err: unknown) => log.error({ err }, 'session failed'));
    sessions.add(session);
    void session.finally(() => sessions.delete(session));
  });

  async function serve(socket: net.Socket): Promise<void> {
    const ip = normalizeIp(socket.remoteAddress ?? '');
    const cid = newConnectionId();
    const connLog = log.child({ cid, listener: options.name, ip });
    socket.on('error', () => {});
    const refusal = limiter.acquire(ip);
    if (refusal) {
      connLog.warn({ event: 'connection.refused', reason: refusal });
      if (options.tls) {
        socket.destroy();
        return;
      }
      const conn = new Connection(socket);
      await options.refuse(conn, refusal);
      conn.close();
      return;
    }
    try {
      let conn: Connection;
      if (options.tls) {
        const secure = await handshake(socket, options.tls, options.handshakeTimeoutMs ?? 30_000);
        if (!secure) {
          connLog.info({ event: 'tls.failed' });
          return;
        }
        conn = new Connection(secure);
      } else {
        conn = new Connection(socket);
      }
      connLog.debug({ event: 'connection.open', port: options.port });
      const started = Date.now();
      await options.handle(conn, { cid, log: connLog, shutdown, listener: options.name });
      if (!conn.closed) conn.close();
      connLog.info({ event: 'connection.close', ms: Date.now() - started });
    } finally {
      limiter.release(ip);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;
  log.info({ event: 'listener.start', listener: options.name, host: address.address, port: address.port });

  return {
    name: options.name,
    address,
    async close(): Promise<void> {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...sessions]);
    },
  };
}

function handshake(
  socket: net.Socket,
  context: SecureContext,
  timeoutMs: number,
): Promise<TLSSocket | undefined> {
  return new Promise((resolve) => {
    const secure = new TLSSocket(socket, { isServer: true, secureContext: context });
    let settled = false;
    const timer = setTimeout(() => done(false), timeoutMs);
    const done = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      secure.off('secureConnect', onSecure);
      secure.off('secure', onSecure);
      if (ok) resolve(secure);
      else {
        secure.destroy();
        resolve(undefined);
      }
    };
    const onSecure = (): void => done(true);
    secure.once('secure', onSecure);
    secure.once('error', () => done(false));
    secure.once('close', () => done(false));
    socket.once('end', () => done(false));
    secure.once('end', () => done(false));
  });
}
