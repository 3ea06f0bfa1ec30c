/**
 * One SMTP session (RFC 5321): reads command lines, parses each whole with the pure parser,
 * checks the command's preconditions in one place (the table), and runs its handler.
 * Replies are queued and flushed when no pipelined input is waiting (RFC 2920 §3.1).
 */
import { type Logger, type TraceLevel, traceAllows } from '../../core/log.ts';
import type { Mailbox } from '../../proto/smtp/address.ts';
import { decodeCommandLine, parseCommand } from '../../proto/smtp/command.ts';
import {
  type Command,
  commandLineLimit,
  MAX_EXTENSION_OCTETS,
  type MailParams,
} from '../../proto/smtp/command-types.ts';
import { encodeReply } from '../../proto/smtp/reply.ts';
import { type Connection, ConnectionClosed, isLoopback } from '../net/connection.ts';
import type { BdatState } from './commands/bdat.ts';
import type { AcceptedRecipient, SmtpServices } from './services.ts';
import type { SmtpSettings } from './settings.ts';
import { COMMANDS, checkPreconditions } from './table.ts';

/** An open mail transaction: from MAIL to the end of DATA or the last BDAT (RFC 5321 §3.3). */
export interface Transaction {
  from: Mailbox | null;
  /** The reverse path as a plain address ('' for the null path). */
  sender: string;
  params: MailParams;
  recipients: AcceptedRecipient[];
  /** Set once BDAT has started: chunks received so far (RFC 3030). */
  bdat?: BdatState | undefined;
}

export interface AuthState {
  accountId: number;
  address: string;
}

export class SmtpSession {
  readonly conn: Connection;
  readonly settings: SmtpSettings;
  readonly services: SmtpServices;
  readonly log: Logger;
  readonly trace: TraceLevel;
  /** The EHLO/HELO greeting, once given. */
  helo: { host: string; domain: string | null; esmtp: boolean } | undefined;
  auth: AuthState | undefined;
  tx: Transaction | undefined;
  /** Set by QUIT, a fatal error or shutdown: the loop ends. */
  ending = false;
  errors = 0;
  #output: Buffer[] = [];

  constructor(
    conn: Connection,
    settings: SmtpSettings,
    services: SmtpServices,
    log: Logger,
    trace: TraceLevel,
  ) {
    this.conn = conn;
    this.settings = settings;
    this.services = services;
    this.log = log;
    this.trace = trace;
  }

  get remoteIp(): string {
    return this.conn.remoteAddress;
  }

  /** True when plaintext SASL mechanisms may be used on this connection now. */
  get plaintextAllowed(): boolean {
    const policy = this.settings.plaintextAuth;
    return (
      policy === 'always' || this.conn.secure || (policy === 'tls-or-loopback' && isLoopback(this.remoteIp))
    );
  }

  /** Queues a reply; it is sent at the next flush. */
  reply(code: number, enhanced: string | undefined, ...lines: string[]): void {
    // 452 4.5.3 (too many recipients) is not the client's error: RFC 5321 §4.5.3.1.10 has it send
    // the rest in a later transaction, and it does not cost a lookup.
    if (code >= 500 || (code >= 400 && code !== 421 && enhanced !== '4.5.3')) this.errors++;
    const bytes = encodeReply({ code, enhanced, lines });
    if (traceAllows(this.trace, 'commands'))
      this.log.trace({ event: 'smtp.reply', line: bytes.toString('utf8').trimEnd() });
    this.#output.push(bytes);
  }

  /** Sends the queued replies. */
  async flush(): Promise<void> {
    if (this.#output.length === 0) return;
    const data = this.#output.length === 1 ? this.#output[0]! : Buffer.concat(this.#output);
    this.#output = [];
    // A client that does not read its replies within the command timeout is dropped.
    await this.conn.write(data, this.settings.commandTimeoutMs);
  }

  /** Ends the transaction (RSET, after delivery, after STARTTLS/AUTH resets). */
  resetTransaction(): void {
    this.tx = undefined;
  }

  /** Runs the session until QUIT, a fatal error, timeout or shutdown. */
  async run(shutdown: AbortSignal): Promise<void> {
    const onShutdown = (): void => {
      this.ending = true;
      void this.conn
        .write(
          encodeReply({
            code: 421,
            enhanced: '4.3.2',
            lines: [`${this.settings.hostname} Service shutting down`],
          }),
        )
        .then(() => this.conn.close());
    };
    shutdown.addEventListener('abort', onShutdown, { once: true });
    // RFC 2920: replies to pipelined commands are held while more input is at hand, and sent
    // before the session waits for input (also during DATA and BDAT).
    this.conn.beforeWait = () => this.flush();
    try {
      this.reply(220, undefined, `${this.settings.hostname} ESMTP Loft ready`);
      while (!this.ending) {
        const read = await this.conn.readLine(
          this.settings.maxCommandLine + MAX_EXTENSION_OCTETS,
          this.settings.commandTimeoutMs,
        );
        if (this.ending) break;
        if (
          read.kind === 'too-long' ||
          read.line.length + 2 > commandLineLimit(this.settings.maxCommandLine, read.line)
        ) {
          this.reply(500, '5.5.2', 'Line too long');
        } else if (read.bareLineEnd) {
          // RFC 5321 §2.3.8: only CRLF ends a line; a command containing bare CR or LF is refused.
          this.reply(500, '5.5.2', 'Bare CR or LF not allowed in commands');
        } else {
          await this.#execute(read.line);
        }
        if (this.errors >= this.settings.maxErrors && !this.ending) {
          this.reply(421, '4.7.0', `${this.settings.hostname} Too many errors, closing connection`);
          this.ending = true;
        }
      }
      await this.flush();
    } catch (err) {
      if (!(err instanceof ConnectionClosed)) throw err;
      if (err.reason === 'timeout') {
        // RFC 5321 §4.5.3.2: on timeout the server closes with 421.
        this.reply(421, '4.4.2', `${this.settings.hostname} Timeout, closing connection`);
        await this.flush().catch(() => {});
      } else if (err.reason === 'eof') {
        // The client sent FIN after its last command (half-close): its replies still go out.
        await this.flush().catch(() => {});
      }
      this.log.debug({ event: 'smtp.closed', reason: err.reason });
    } finally {
      shutdown.removeEventListener('abort', onShutdown);
    }
  }

  async #execute(raw: Buffer): Promise<void> {
    const line = decodeCommandLine(raw);
    if (line === null) {
      this.reply(500, '5.5.2', 'Invalid UTF-8 in command');
      return;
    }
    this.#traceCommand(line);
    const parsed = parseCommand(line, { smtputf8: true });
    if (!parsed.ok) {
      this.reply(parsed.code, parsed.enhanced, parsed.text);
      // RFC 3030 §2: after a BDAT whose size cannot be read, the octets that follow cannot be
      // told from commands; the only safe course is to close the connection.
      if (/^BDAT(\s|$)/i.test(line)) {
        this.reply(421, '4.5.0', `${this.settings.hostname} Cannot resynchronise after bad BDAT, closing`);
        this.ending = true;
      }
      return;
    }
    const command = parsed.command;
    const refusal = checkPreconditions(this, command);
    if (refusal) {
      this.reply(refusal.code, refusal.enhanced, refusal.text);
      return;
    }
    const handler = COMMANDS[command.verb].handler as (
      session: SmtpSession,
      command: Command,
    ) => Promise<void> | void;
    await handler(this, command);
  }

  #traceCommand(line: string): void {
    if (!traceAllows(this.trace, 'commands')) return;
    const hidden = /^AUTH\s/i.test(line) && !traceAllows(this.trace, 'auth');
    this.log.trace({
      event: 'smtp.command',
      line: hidden ? line.replace(/^(AUTH\s+\S+).*/i, '$1 ***') : line,
    });
  }
}
