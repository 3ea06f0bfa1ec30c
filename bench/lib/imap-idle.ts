/**
 * The IMAP benchmark's idle connections: opens many connections to one server, each logged in,
 * with INBOX selected and in IDLE (RFC 2177), and keeps them open until closed. Connections are
 * opened a batch at a time; a connection counts as idling once the server's continuation request
 * to IDLE has come. Each connection costs the client one file descriptor and one local port.
 */
import { ImapClient } from './imap-client.ts';

export interface IdleOptions {
  port: number;
  user: string;
  password: string;
  connections: number;
  /** Connections being opened at once (default 50). */
  concurrency?: number;
  /** Log in with AUTHENTICATE SCRAM-SHA-256 instead of LOGIN. */
  scram: boolean;
  /** EXISTS expected at SELECT. */
  exists: number;
  /** Called at every 1,000th idling connection. */
  progress?: (idling: number) => void;
  /**
   * Asked before each new connection: a reason to open no more (the machine's memory running
   * low, a time limit), or undefined to go on. Connections being opened are finished.
   */
  shouldStop?: () => string | undefined;
}

export interface IdleResult {
  clients: ImapClient[];
  /** Connections that reached IDLE. */
  idling: number;
  /** Seconds from the first connect to the last IDLE. */
  seconds: number;
  /** The first errors (at most 5), and how many connections failed. */
  errors: string[];
  failed: number;
  /** Why fewer connections than asked were opened, when `shouldStop` said so. */
  stoppedBecause?: string;
}

/** Opens `connections` idling connections; never throws (failures are counted in the result). */
export async function openIdleConnections(options: IdleOptions): Promise<IdleResult> {
  const started = process.hrtime.bigint();
  const clients: ImapClient[] = [];
  const errors: string[] = [];
  let failed = 0;
  let next = 0;
  let stoppedBecause: string | undefined;
  const one = async (): Promise<void> => {
    const client = await ImapClient.connect(options.port, 60_000);
    try {
      if (options.scram) await client.authenticateScram(options.user, options.password);
      else await client.login(options.user, options.password);
      let exists: number | undefined;
      const select = await client.command('SELECT INBOX', {
        onUntagged: (r) => {
          const m = /^\* (\d+) EXISTS/i.exec(r.text);
          if (m) exists = Number(m[1]);
        },
      });
      if (select.status !== 'OK') throw new Error(`SELECT: ${select.text}`);
      if (exists !== options.exists) throw new Error(`SELECT: EXISTS ${exists}, expected ${options.exists}`);
      const { ending } = await client.idle();
      ending.catch(() => undefined); // ends when the connection closes
      clients.push(client);
    } catch (err) {
      client.destroy();
      throw err;
    }
  };
  const worker = async (): Promise<void> => {
    while (next < options.connections && stoppedBecause === undefined) {
      stoppedBecause = options.shouldStop?.();
      if (stoppedBecause !== undefined) break;
      next += 1;
      try {
        await one();
        if (options.progress && clients.length % 1000 === 0) options.progress(clients.length);
      } catch (err) {
        failed += 1;
        if (errors.length < 5) errors.push((err as Error).message);
        if (failed >= 50 && failed > clients.length) break; // the server refuses: stop trying
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 50, options.connections) }, worker));
  return {
    clients,
    idling: clients.length,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    errors,
    failed,
    ...(stoppedBecause === undefined ? {} : { stoppedBecause }),
  };
}

/** Closes every connection: DONE, then the socket. */
export function closeIdleConnections(clients: readonly ImapClient[]): void {
  for (const client of clients) {
    client.done();
    client.destroy();
  }
}
