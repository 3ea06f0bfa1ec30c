/**
 * One POP3 session (RFC 1939): AUTHORIZATION, then TRANSACTION on the locked maildrop, then
 * UPDATE on QUIT. Reads command lines, parses each whole with the pure parser, checks the state
 * in one place (the table), and runs its handler. Responses are queued and sent before the
 * session waits for input, so pipelined commands (RFC 2449 §6.6) are answered in order.
 *
 * A session that ends other than by QUIT in TRANSACTION state — dropped connection, idle
 * timeout, shutdown — never enters UPDATE state and removes nothing (RFC 1939 §3, §6).
 */

import { type Logger, type TraceLevel, traceAllows } from '../../core/log.ts';
import { decodeCommandLine, parseCommand } from '../../proto/pop3/command.ts';
import { encodeErr, encodeOk, type ResponseCode } from '../../proto/pop3/response.ts';
import { type Connection, ConnectionClosed, isLoopback, type LineRead } from '../net/connection.ts';
import { responseForError } from './errors.ts';
import type { MaildropLock } from './lock.ts';
import type { Maildrop } from './maildrop.ts';
import { BodyPrefetch } from './prefetch.ts';
import type { Pop3Services } from './services.ts';
import type { Pop3Settings } from './settings.ts';
import { dispatch } from './table.ts';

/** RFC 1939 §3: the UPDATE state is entered and left within QUIT, so a session waits in these two. */
export type Pop3State = 'authorization' | 'transaction';

export interface Pop3User {
  accountId: number;
  address: string;
}

const AUTH_LINE = /^AUTH /i;
/** How long a command in progress may delay a shutdown before the connection is cut. */
const SHUTDOWN_GRACE_MS = 5000;

export class Pop3Session {
  readonly conn: Connection;
  readonly settings: Pop3Settings;
  readonly services: Pop3Services;
  readonly log: Logger;
  readonly trace: TraceLevel;
  state: Pop3State = 'authorization';
  /** The name given by USER, waiting for PASS (RFC 1939 §7). */
  pendingUser: string | undefined;
  /** Who logged in (TRANSACTION state). */
  user: Pop3User | undefined;
  /** The locked maildrop (TRANSACTION state). */
  maildrop: Maildrop | undefined;
  lock: MaildropLock | undefined;
  /** The client sent UTF8 (RFC 6856 §2). */
  utf8 = false;
  /** Set by QUIT, a fatal error or shutdown: the loop ends. */
  ending = false;
  #output: Buffer[] = [];
  /** True while waiting for a command line (not in the middle of a response). */
  #idle = false;

  constructor(
    conn: Connection,
    settings: Pop3Settings,
    services: Pop3Services,
    log: Logger,
    trace: TraceLevel,
  ) {
    this.prefetch = new BodyPrefetch(services);
    this.conn = conn;
    this.settings = settings;
    this.services = services;
    this.log = log;
    this.trace = trace;
  }

  get remoteIp(): string {
    return this.conn.remoteAddress;
  }

  /** True when USER/PASS, PLAIN and LOGIN may be used on this connection now. */
  get plaintextAllowed(): boolean {
    const policy = this.settings.plaintextAuth;
    return (
      policy === 'always' || this.conn.secure || (policy === 'tls-or-loopback' && isLoopback(this.remoteIp))
    );
  }

  /** Queues a `+OK` response. */
  ok(text = ''): void {
    this.send(encodeOk(text));
  }

  /** Queues a `-ERR` response with an optional response code (RFC 2449 §8). */
  err(text: string, code?: ResponseCode): void {
    this.send(encodeErr(text, code));
  }

  /** Queues encoded response bytes; they are sent at the next flush. */
  send(bytes: Buffer): void {
    if (traceAllows(this.trace, 'commands')) {
      const first = bytes.subarray(0, Math.max(0, bytes.indexOf('\r\n'))).toString('utf8');
      this.log.trace({ event: 'pop3.response', line: first });
    }
    this.#output.push(bytes);
  }

  /** Octets queued and not yet sent. */
  get queuedOctets(): number {
    let n = 0;
    for (const b of this.#output) n += b.length;
    return n;
  }

  /** Sends the queued responses; a client that does not read them within the idle timeout is dropped. */
  async flush(): Promise<void> {
    if (this.#output.length === 0) return;
    const data = this.#output.length === 1 ? this.#output[0]! : this.#output;
    this.#output = [];
    await this.conn.write(data, this.settings.idleTimeoutMs);
  }

  /**
   * UIDs retrieved whose \Seen flag is still to be stored. As Dovecot does, they are kept in the
   * session and stored together in one transaction: before the next command other than RETR is
   * answered (so that what the client does next, QUIT's UPDATE state included, finds them stored),
   * and when the session ends however it ends. A download of the whole maildrop thus costs one
   * commit, made after it, instead of commits competing with the transfer.
   */
  pendingSeen: number[] = [];

  /** Read-ahead of small messages for RETR. */
  readonly prefetch: BodyPrefetch;

  /** Stores the pending \Seen flags; a failure is logged, not answered (the messages were sent). */
  async storeSeen(): Promise<void> {
    if (this.pendingSeen.length === 0 || !this.maildrop) return;
    const uids = this.pendingSeen;
    this.pendingSeen = [];
    try {
      await this.services.markSeen(this.maildrop.mailboxId, uids);
    } catch (err) {
      this.log.warn({ event: 'pop3.seen.failed', count: uids.length, err });
    }
  }

  /** Sends queued responses, then `data` at once (message content: never queued whole). */
  async write(data: Buffer): Promise<void> {
    await this.flush();
    if (this.conn.closed) throw new ConnectionClosed('closed');
    await this.conn.write(data, this.settings.idleTimeoutMs);
  }

  /**
   * Reads the client's next line (a command, or a SASL response) with the idle timeout. While
   * waiting the session is idle: a shutdown may answer `-ERR` and close at once.
   */
  async readLine(maxLength: number): Promise<LineRead> {
    this.#idle = true;
    try {
      return await this.conn.readLine(maxLength, this.settings.idleTimeoutMs);
    } finally {
      this.#idle = false;
    }
  }

  /** Runs the session until QUIT, a fatal error, timeout or shutdown; releases the lock in every case. */
  async run(shutdown: AbortSignal): Promise<void> {
    let notifyShutdown = false;
    const onShutdown = (): void => {
      if (this.ending) return; // QUIT (maybe in UPDATE state) or a fatal error ends it anyway
      this.ending = true;
      // Only between commands: a shutdown notice must not land inside a multi-line response.
      if (this.#idle) {
        void this.conn.write(encodeErr('Server shutting down', 'SYS/TEMP')).then(() => this.conn.close());
      } else {
        // In the middle of a command (a message transfer to a slow reader, say): answer after
        // it, but do not let it hold the shutdown for long.
        notifyShutdown = true;
        setTimeout(() => this.conn.destroy(), SHUTDOWN_GRACE_MS).unref();
      }
    };
    shutdown.addEventListener('abort', onShutdown, { once: true });
    this.conn.beforeWait = () => this.flush();
    const readLimit = Math.max(this.settings.maxCommandLine, this.settings.maxAuthLine);
    try {
      // RFC 1939 §4: the greeting. No APOP timestamp: APOP is not offered.
      this.ok(`${this.settings.hostname} Loft POP3 server ready`);
      while (!this.ending) {
        const read = await this.readLine(readLimit);
        if (this.ending) break;
        if (read.kind === 'too-long') {
          this.#refuseLine('Line too long');
        } else if (read.bareLineEnd) {
          this.#refuseLine('Bare CR or LF not allowed in commands');
        } else if (
          read.line.length + 2 > this.settings.maxCommandLine &&
          !AUTH_LINE.test(read.line.toString('latin1', 0, 5))
        ) {
          // RFC 2449 §4: commands are at most 255 octets; only AUTH may carry a longer SASL response.
          this.#refuseLine('Line too long');
        } else {
          await this.#execute(read.line);
        }
      }
      if (notifyShutdown) this.err('Server shutting down', 'SYS/TEMP');
      await this.flush();
    } catch (err) {
      if (!(err instanceof ConnectionClosed)) throw err;
      // RFC 1939 §3: on the autologout timer the server closes without a response and without
      // entering UPDATE state; a dropped connection removes nothing either.
      this.log.debug({ event: 'pop3.closed', reason: err.reason, state: this.state });
    } finally {
      shutdown.removeEventListener('abort', onShutdown);
      this.conn.beforeWait = undefined;
      await this.storeSeen();
      await this.lock?.release();
    }
  }

  /** A line that is not a command: `-ERR`, and (RFC 1939 §7: PASS must follow USER immediately) the USER name is forgotten. */
  #refuseLine(text: string): void {
    this.err(text);
    this.pendingUser = undefined;
  }

  async #execute(raw: Buffer): Promise<void> {
    const line = decodeCommandLine(raw);
    if (line === undefined) {
      this.#refuseLine('Invalid UTF-8 in command');
      return;
    }
    this.#traceCommand(line);
    const parsed = parseCommand(line);
    if (!parsed.ok) {
      this.#refuseLine(parsed.error);
      return;
    }
    const { verb } = parsed.command;
    if (verb !== 'PASS' && verb !== 'USER') this.pendingUser = undefined;
    try {
      // \Seen from earlier RETRs is stored before any other command is answered, so what the
      // client does next (NOOP, QUIT, another protocol) finds it stored.
      if (parsed.command.verb !== 'RETR') await this.storeSeen();
      await dispatch(this, parsed.command);
    } catch (err) {
      if (err instanceof ConnectionClosed) throw err;
      // The one boundary where service errors become responses (errors.ts).
      const response = responseForError(err);
      this.log.error({ event: 'pop3.command.failed', verb, err });
      this.err(response.text, response.code);
    }
  }

  #traceCommand(line: string): void {
    if (!traceAllows(this.trace, 'commands')) return;
    let shown = line;
    if (!traceAllows(this.trace, 'auth')) {
      if (/^PASS /i.test(line)) shown = 'PASS ***';
      else if (/^AUTH \S+ /i.test(line)) shown = line.replace(/^(AUTH \S+) .*/is, '$1 ***');
    }
    this.log.trace({ event: 'pop3.command', line: shown });
  }
}
