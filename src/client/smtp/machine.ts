/**
 * Loft's SMTP client as a pure state machine: replies in, command bytes and actions out, no
 * sockets and no timers (the network layer in `client.ts` drives it). One machine is one
 * connection: greeting, EHLO (HELO fallback), opportunistic STARTTLS, then any number of
 * transactions, then QUIT.
 *
 * Flow of a transaction (RFC 5321 §3.3), with PIPELINING (RFC 2920) when offered: MAIL, every RCPT
 * and DATA in one group (RFC 2920 §3.1: DATA last); with CHUNKING (RFC 3030) the RCPT replies are
 * awaited before BDAT, so no content is sent when no recipient was accepted. A 421 at any point
 * ends the connection (RFC 5321 §3.8). After a transaction that left MAIL open on the server, the
 * next one starts with RSET.
 */
import { encodeHelo } from '../../proto/smtp/command-encode.ts';
import type { Reply } from '../../proto/smtp/reply.ts';
import { checkTransaction, mailLine, rcptLine } from './checks.ts';
import { ContentEncoder } from './content.ts';
import { type Expect, STAGE, timeoutFor } from './expect.ts';
import { type Extensions, NO_EXTENSIONS, parseEhlo } from './extensions.ts';
import { replyText, statusOf, TransactionState } from './transaction.ts';
import type { Envelope, RecipientOutcome, Stage, TimeoutName } from './types.ts';

/** Opportunistic TLS (default), TLS required, or never STARTTLS. */
export type TlsPolicy = 'opportunistic' | 'require' | 'none';

/** Options of a {@link ClientMachine}. */
export interface MachineOptions {
  /** The name sent in EHLO/HELO (this host's name). */
  readonly heloName: string;
  /** The peer's name, for texts. */
  readonly peer: string;
  readonly tls?: TlsPolicy;
  /** The connection is TLS already (implicit TLS): no STARTTLS. */
  readonly secure?: boolean;
  /** Largest BDAT chunk in octets. Default 256 KiB. */
  readonly chunkSize?: number;
  /** Use CHUNKING when offered. Default true. */
  readonly chunking?: boolean;
}

/** What the network layer must do after writing `send`. */
export type Action = 'none' | 'starttls' | 'content' | 'close';

/** The machine's answer to an input. */
export interface Output {
  readonly send: readonly Buffer[];
  readonly action: Action;
}

/** A session-level failure: it applies to every recipient of every transaction from now on. */
export interface SessionFailure {
  readonly status: 'temporary' | 'permanent';
  readonly code: number | null;
  readonly enhanced: string | null;
  readonly text: string;
  readonly stage: Stage;
}

const NOTHING: Output = { send: [], action: 'none' };
const EMPTY_DATA = Buffer.from('.\r\n');

/** The client state machine of one connection. */
export class ClientMachine {
  readonly #opts: MachineOptions;
  #pending: Expect[] = [{ what: 'greeting' }];
  #out: Buffer[] = [];
  #ext: Extensions = NO_EXTENSIONS;
  #secure: boolean;
  #tlsTried = false;
  #ready = false;
  #closed = false;
  #failure: SessionFailure | null = null;
  #tx: TransactionState | null = null;
  #needsReset = false;
  #content: ContentEncoder | null = null;

  constructor(options: MachineOptions) {
    this.#opts = options;
    this.#secure = options.secure === true;
  }

  /** The extensions of the peer (after EHLO; none before or after HELO). */
  get extensions(): Extensions {
    return this.#ext;
  }
  /** True once the session is ready for a transaction (greeting, EHLO and STARTTLS done). */
  get ready(): boolean {
    return this.#ready && this.#failure === null && !this.#closed;
  }
  /** True when TLS is in use. */
  get secure(): boolean {
    return this.#secure;
  }
  /** The failure that ended the session, if any. */
  get failure(): SessionFailure | null {
    return this.#failure;
  }
  /** Replies awaited. */
  get pending(): number {
    return this.#pending.length;
  }
  /** The timeout for the next awaited reply, or null when none is awaited. */
  get timeout(): TimeoutName | null {
    const e = this.#pending[0];
    return e === undefined ? null : timeoutFor(e);
  }
  /** The stage of the next awaited reply (for the outcome of a network failure). */
  get stage(): Stage {
    const e = this.#pending[0];
    if (e !== undefined) return STAGE[e.what];
    if (this.#tx?.contentStarted) return 'content';
    if (this.#ready) return 'mail';
    return this.#tlsTried && !this.#secure ? 'starttls' : 'connect';
  }
  /** True when a transaction is under way. */
  get inTransaction(): boolean {
    return this.#tx !== null;
  }
  /** True when the content being streamed was refused part-way (stop sending it). */
  get contentAborted(): boolean {
    return this.#tx?.aborted === true;
  }

  /** Feeds one reply; returns what to send and do next. */
  receive(reply: Reply): Output {
    const e = this.#pending.shift();
    if (e === undefined)
      return this.#fatal('temporary', null, null, 'Unexpected reply from the server', this.stage);
    // RFC 5321 §3.8: 421 means the server is closing the transmission channel.
    if (reply.code === 421 && e.what !== 'quit') {
      this.#tx?.allFromReply(reply, STAGE[e.what]);
      return this.#fatal('temporary', reply.code, reply.enhanced ?? null, replyText(reply), STAGE[e.what]);
    }
    switch (e.what) {
      case 'greeting':
        // RFC 5321 §3.1: a 554 greeting means no service; like Postfix, any non-2xx greeting
        // skips this host (temporary: another MX, or later, may do).
        if (statusOf(reply.code) !== 'delivered') {
          return this.#quitWith({ ...this.#fromReply(reply, 'greeting'), status: 'temporary' });
        }
        return this.#hello('EHLO');
      case 'ehlo':
        if (statusOf(reply.code) === 'delivered') {
          this.#ext = parseEhlo(reply);
          return this.#afterHello();
        }
        // RFC 5321 §3.2: a server that does not know EHLO answers 5xx; fall back to HELO.
        if (statusOf(reply.code) === 'permanent') return this.#hello('HELO');
        return this.#quitWith(this.#fromReply(reply, 'ehlo'));
      case 'helo':
        if (statusOf(reply.code) !== 'delivered') return this.#quitWith(this.#fromReply(reply, 'ehlo'));
        this.#ext = NO_EXTENSIONS;
        return this.#afterHello();
      case 'starttls':
        if (reply.code === 220) return { send: this.#take(), action: 'starttls' };
        if (this.#opts.tls === 'require') {
          return this.#quitWith({ ...this.#fromReply(reply, 'starttls'), status: 'temporary' });
        }
        // RFC 3207 §4: the server refused; the session goes on unencrypted.
        this.#ready = true;
        return NOTHING;
      case 'quit':
        this.#closed = true;
        return { send: [], action: 'close' };
      case 'rset':
        return this.#txOutput();
      case 'ignored':
        return this.#txOutput();
      default:
        return this.#transactionReply(e, reply);
    }
  }

  /** The TLS handshake after STARTTLS succeeded: forget what was learnt, EHLO again (RFC 3207 §4.2). */
  tlsStarted(): Output {
    this.#secure = true;
    this.#ext = NO_EXTENSIONS;
    return this.#hello('EHLO');
  }

  /**
   * The connection failed (refused, reset, closed, timed out, TLS handshake failed, garbage): the
   * session ends, and recipients without an outcome get a temporary one.
   */
  networkFailure(text: string, stage: Stage = this.stage): void {
    this.#closed = true;
    this.#pending = [];
    this.#failure ??= { status: 'temporary', code: null, enhanced: null, text, stage };
    this.#tx?.allFailed('temporary', null, text, stage);
  }

  /**
   * Starts a transaction for `envelope` and a message of `size` octets. When the session is not
   * ready, or a check fails before sending (SIZE, SMTPUTF8, 8BITMIME), the transaction is settled
   * at once: see {@link transactionDone}.
   */
  begin(envelope: Envelope, size: number): Output {
    if (this.#tx !== null) throw new Error('a transaction is already under way');
    const chunking = this.#ext.chunking && this.#opts.chunking !== false;
    const tx = new TransactionState(
      envelope,
      size,
      chunking || envelope.body === 'BINARYMIME' ? 'bdat' : 'data',
    );
    this.#tx = tx;
    if (envelope.recipients.length === 0) return NOTHING;
    if (!this.ready) {
      const f = this.#failure;
      tx.allFailed(
        f?.status ?? 'temporary',
        f?.enhanced ?? null,
        f?.text ?? 'Not connected',
        f?.stage ?? 'connect',
        f?.code ?? null,
      );
      return NOTHING;
    }
    const refused = checkTransaction(envelope, size, this.#ext, this.#opts.peer);
    if (refused !== null) {
      tx.allFailed('permanent', refused.enhanced, refused.text, 'check');
      return NOTHING;
    }
    if (this.#needsReset) this.#command('RSET\r\n', { what: 'rset' });
    this.#needsReset = false;
    this.#command(mailLine(envelope, size, this.#ext), { what: 'mail' });
    if (this.#ext.pipelining) {
      for (let i = 0; i < envelope.recipients.length; i++) this.#sendRcpt(tx);
      if (tx.mode === 'data') this.#command('DATA\r\n', { what: 'data' });
    }
    return { send: this.#take(), action: 'none' };
  }

  /** True when the current transaction has every outcome and awaits nothing more. */
  get transactionDone(): boolean {
    return this.#tx?.settled === true && this.#pending.length === 0;
  }

  /** Ends the settled transaction and returns its outcomes. */
  finish(): RecipientOutcome[] {
    const tx = this.#tx;
    if (tx === null || !this.transactionDone) throw new Error('no settled transaction');
    this.#tx = null;
    this.#content = null;
    return tx.outcomes();
  }

  /** Encodes a piece of content (dot-stuffed after DATA, BDAT chunks otherwise). */
  contentChunk(chunk: Buffer): Buffer[] {
    return this.#encoder()?.push(chunk) ?? [];
  }

  /** Ends the content: the "." terminator after DATA, the BDAT LAST chunk otherwise. */
  contentEnd(): Buffer[] {
    const encoder = this.#encoder();
    if (encoder === null) return [];
    const out = encoder.end();
    if (this.#tx?.mode === 'data') this.#pending.push({ what: 'final' });
    return out;
  }

  /** Ends the session politely (RFC 5321 §4.1.1.10). */
  quit(): Output {
    if (this.#closed) return { send: [], action: 'close' };
    this.#command('QUIT\r\n', { what: 'quit' });
    return { send: this.#take(), action: 'none' };
  }

  /** The encoder of the content being sent, or null when none may be sent now. */
  #encoder(): ContentEncoder | null {
    const tx = this.#tx;
    if (tx === null || !tx.contentStarted || tx.ended || tx.aborted) return null;
    this.#content ??= new ContentEncoder(tx.mode, this.#opts.chunkSize ?? 256 * 1024, (last) =>
      this.#pending.push({ what: 'bdat', last }),
    );
    return this.#content;
  }

  #hello(verb: 'EHLO' | 'HELO'): Output {
    this.#command(encodeHelo(verb, this.#opts.heloName), { what: verb === 'EHLO' ? 'ehlo' : 'helo' });
    return { send: this.#take(), action: 'none' };
  }

  #afterHello(): Output {
    const policy = this.#opts.tls ?? 'opportunistic';
    if (!this.#secure && policy !== 'none' && this.#ext.starttls && !this.#tlsTried) {
      this.#tlsTried = true;
      this.#command('STARTTLS\r\n', { what: 'starttls' });
      return { send: this.#take(), action: 'none' };
    }
    if (!this.#secure && policy === 'require') {
      return this.#quitWith({
        status: 'temporary',
        code: null,
        enhanced: '4.7.0',
        text: `TLS is required and ${this.#opts.peer} does not offer STARTTLS`,
        stage: 'starttls',
      });
    }
    this.#ready = true;
    return NOTHING;
  }

  #transactionReply(e: Expect, reply: Reply): Output {
    const tx = this.#tx;
    if (tx === null) return this.#fatal('temporary', null, null, 'Unexpected reply from the server', 'mail');
    const ok = statusOf(reply.code) === 'delivered';
    switch (e.what) {
      case 'mail':
        if (ok) {
          tx.mailAccepted = true;
          if (!this.#ext.pipelining) this.#sendRcpt(tx);
        } else {
          tx.mailRefused = true;
          tx.allFromReply(reply, 'mail');
        }
        break;
      case 'rcpt':
        if (!tx.mailRefused) {
          if (ok) tx.accepted.push(e.index);
          else tx.fromReply(e.index, reply, 'rcpt');
        }
        if (e.index < tx.envelope.recipients.length - 1) {
          if (!this.#ext.pipelining && !tx.mailRefused) this.#sendRcpt(tx);
        } else if (!this.#ext.pipelining || tx.mode === 'bdat') return this.#afterRecipients(tx);
        break;
      case 'data':
        if (reply.code === 354) {
          if (tx.mailRefused || tx.accepted.length === 0) {
            // RFC 2920 §3.1: DATA accepted though no recipient was: send an empty message.
            this.#command(EMPTY_DATA, { what: 'ignored' });
            this.#needsReset = false;
            break;
          }
          tx.contentStarted = true;
          return { send: this.#take(), action: 'content' };
        }
        if (!tx.mailRefused) tx.acceptedFromReply(reply, 'data');
        this.#needsReset = tx.mailAccepted;
        break;
      case 'final':
        tx.ended = true;
        tx.acceptedFromReply(reply, 'content');
        break;
      case 'bdat':
        if (tx.aborted) break;
        if (!ok || e.last) {
          // RFC 3030 §2: a refused chunk ends the transaction; the rest is not sent.
          tx.acceptedFromReply(reply, 'content');
          if (!ok) {
            tx.aborted = true;
            this.#needsReset = true;
          } else tx.ended = true;
        }
        break;
    }
    return this.#txOutput();
  }

  /** Every RCPT has been answered (and DATA was not pipelined). */
  #afterRecipients(tx: TransactionState): Output {
    if (tx.mailRefused) return this.#txOutput();
    if (tx.accepted.length === 0) {
      this.#needsReset = tx.mailAccepted;
      return this.#txOutput();
    }
    if (tx.mode === 'bdat') {
      tx.contentStarted = true;
      return { send: this.#take(), action: 'content' };
    }
    this.#command('DATA\r\n', { what: 'data' });
    return this.#txOutput();
  }

  #sendRcpt(tx: TransactionState): void {
    const index = tx.rcptSent++;
    this.#command(rcptLine(tx.envelope, index, this.#ext), { what: 'rcpt', index });
  }

  #txOutput(): Output {
    return { send: this.#take(), action: 'none' };
  }

  #command(line: string | Buffer, expect: Expect): void {
    this.#out.push(typeof line === 'string' ? Buffer.from(line, 'utf8') : line);
    this.#pending.push(expect);
  }

  #take(): Buffer[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }

  #fromReply(reply: Reply, stage: Stage): SessionFailure {
    const status = statusOf(reply.code) === 'permanent' ? 'permanent' : 'temporary';
    return { status, code: reply.code, enhanced: reply.enhanced ?? null, text: replyText(reply), stage };
  }

  /** A session failure after which QUIT is still sent. */
  #quitWith(failure: SessionFailure): Output {
    this.#failure = failure;
    this.#pending = [];
    this.#out = [];
    return this.quit();
  }

  /** A failure that ends the connection at once (421, a reply out of turn). */
  #fatal(
    status: 'temporary',
    code: number | null,
    enhanced: string | null,
    text: string,
    stage: Stage,
  ): Output {
    this.#failure = { status, code, enhanced, text, stage };
    this.#tx?.allFailed(status, enhanced, text, stage, code);
    this.#closed = true;
    this.#pending = [];
    this.#out = [];
    return { send: [], action: 'close' };
  }
}
