/**
 * Loft's SMTP client on the network: a thin driver of the pure {@link ClientMachine} over a
 * {@link Wire}. It never throws for anything the peer or the network does: those become outcomes
 * (a connection error or a timeout is a temporary outcome for every unfinished recipient).
 *
 * `SmtpClient.connect` opens a session (greeting, EHLO, STARTTLS when offered), `send` runs one
 * transaction for many recipients and returns the outcome of each, `quit` ends the session;
 * {@link deliverMessage} does all three for one message.
 */
import type tls from 'node:tls';
import type { Extensions } from './extensions.ts';
import { type Action, ClientMachine, type Output, type SessionFailure, type TlsPolicy } from './machine.ts';
import {
  DEFAULT_TIMEOUTS,
  type Envelope,
  type MessageSource,
  type RecipientOutcome,
  type Timeouts,
} from './types.ts';
import { type TlsInfo, Wire, WireError } from './wire.ts';

/** Options of {@link SmtpClient.connect}. */
export interface ClientOptions {
  /** The IP address to connect to (names are resolved through Loft's Resolver, see `mx.ts`). */
  readonly host: string;
  /** Default 25. */
  readonly port?: number;
  /** The peer's name (the MX host): TLS server name, certificate check, texts. Default `host`. */
  readonly peerName?: string;
  /** The name this host gives in EHLO/HELO. */
  readonly heloName: string;
  /** STARTTLS when offered (default), always (else a temporary failure), or never. */
  readonly tls?: TlsPolicy;
  /** Check the peer's certificate and name; a failed check is a temporary failure. Default false (opportunistic TLS). */
  readonly verifyTls?: boolean;
  /** Extra TLS options (trusted CAs for tests, minimum version…). */
  readonly tlsOptions?: tls.ConnectionOptions;
  /** TLS from the first byte (port 465 style) instead of STARTTLS. */
  readonly implicitTls?: boolean;
  /** Timeouts in milliseconds; RFC 5321 §4.5.3.2 values by default. */
  readonly timeouts?: Partial<Timeouts>;
  /** Use CHUNKING (BDAT) when offered. Default true. */
  readonly chunking?: boolean;
  /** Largest BDAT chunk. Default 256 KiB. */
  readonly chunkSize?: number;
  readonly localAddress?: string;
  /** Aborting closes the connection; unfinished recipients get a temporary outcome. */
  readonly signal?: AbortSignal;
}

/** What a session learnt about the peer. */
export interface SessionInfo {
  readonly host: string;
  readonly port: number;
  readonly peerName: string;
  /** The greeting and EHLO went through: a transaction may be attempted. */
  readonly ready: boolean;
  readonly extensions: Extensions;
  /** TLS was used, and what it negotiated (`authorized`: the certificate was verified). */
  readonly tls: TlsInfo | null;
  /** Why the session failed, if it did. */
  readonly failure: SessionFailure | null;
}

/** One SMTP client session with one server. */
export class SmtpClient {
  readonly #opts: ClientOptions;
  readonly #timeouts: Timeouts;
  readonly #machine: ClientMachine;
  #wire: Wire | null = null;

  private constructor(options: ClientOptions) {
    this.#opts = options;
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#machine = new ClientMachine({
      heloName: options.heloName,
      peer: options.peerName ?? options.host,
      tls: options.tls ?? 'opportunistic',
      secure: options.implicitTls === true,
      chunking: options.chunking ?? true,
      chunkSize: options.chunkSize ?? 256 * 1024,
    });
  }

  /**
   * Connects and opens the session (greeting, EHLO or HELO, STARTTLS). Never rejects for network
   * or protocol problems: check {@link SmtpClient.info}`.ready` and `.failure`.
   */
  static async connect(options: ClientOptions): Promise<SmtpClient> {
    const client = new SmtpClient(options);
    await client.#open();
    return client;
  }

  /** What is known of the session. */
  get info(): SessionInfo {
    const m = this.#machine;
    return {
      host: this.#opts.host,
      port: this.#port,
      peerName: this.#opts.peerName ?? this.#opts.host,
      ready: m.ready,
      extensions: m.extensions,
      tls: this.#wire?.tlsInfo() ?? null,
      failure: m.failure,
    };
  }

  get #port(): number {
    return this.#opts.port ?? 25;
  }

  /**
   * Sends one message to all `envelope.recipients` in one transaction; returns the outcome of each
   * recipient, in order. Recipients get a temporary outcome when the session failed.
   */
  async send(envelope: Envelope, message: MessageSource): Promise<RecipientOutcome[]> {
    const m = this.#machine;
    await this.#run(m.begin(envelope, message.size), message);
    return m.finish();
  }

  /** Sends QUIT and closes (RFC 5321 §4.1.1.10); waits at most the `command` timeout. */
  async quit(): Promise<void> {
    if (this.#wire !== null && this.#machine.failure?.code !== 421) await this.#run(this.#machine.quit());
    this.close();
  }

  /** Closes the connection without QUIT. */
  close(): void {
    this.#wire?.destroy();
  }

  async #open(): Promise<void> {
    const o = this.#opts;
    try {
      this.#wire = await Wire.connect(
        {
          host: o.host,
          port: this.#port,
          localAddress: o.localAddress,
          tls: o.implicitTls === true ? this.#tlsOptions() : undefined,
        },
        this.#timeouts.connect,
      );
    } catch (err) {
      this.#machine.networkFailure(describe(err), 'connect');
      return;
    }
    const wire = this.#wire;
    o.signal?.addEventListener('abort', () => wire.abort('Delivery aborted (shutting down)'), { once: true });
    await this.#run({ send: [], action: 'none' });
    if (this.#machine.failure !== null) await this.quit();
  }

  #tlsOptions(): tls.ConnectionOptions {
    const o = this.#opts;
    const name = o.peerName ?? o.host;
    return {
      ...o.tlsOptions,
      // Opportunistic TLS (RFC 7435): encrypt even when the certificate cannot be checked.
      rejectUnauthorized: o.verifyTls === true,
      ...(/^[0-9.:]+$/.test(name) ? {} : { servername: name }),
    };
  }

  /** Runs the machine until it awaits nothing: writes, actions, replies; network errors become outcomes. */
  async #run(first: Output, message?: MessageSource): Promise<void> {
    const m = this.#machine;
    const wire = this.#wire;
    if (wire === null) return;
    let out = first;
    try {
      for (;;) {
        await wire.write(out.send, this.#timeouts.command);
        const action: Action = out.action;
        if (action === 'close') {
          wire.destroy();
          return;
        }
        if (action === 'starttls') {
          await wire.startTls(this.#tlsOptions(), this.#timeouts.command);
          out = m.tlsStarted();
          continue;
        }
        if (action === 'content') {
          if (message === undefined) throw new Error('content asked for without a message');
          out = { send: await this.#stream(message), action: 'none' };
          continue;
        }
        if (m.pending === 0) return;
        out = m.receive(await wire.reply(this.#timeouts[m.timeout ?? 'command'], m.stage));
      }
    } catch (err) {
      // A WireError is the network's; anything else here comes from reading the message: the
      // session cannot go on either way, and the recipients are retried later.
      m.networkFailure(
        err instanceof WireError ? describe(err) : `Local error while sending: ${describe(err)}`,
      );
      wire.destroy();
    }
  }

  /**
   * Streams the content (RFC 5321 §4.5.3.2.5: each block must be taken within the data block
   * timeout). Without PIPELINING each BDAT reply is awaited before the next chunk (RFC 3030 §4.2).
   * Writes the end of the content too (terminator or last chunk); returns what is left to write.
   */
  async #stream(message: MessageSource): Promise<Buffer[]> {
    const m = this.#machine;
    const wire = this.#wire!;
    const waitEach = !m.extensions.pipelining;
    // Each piece is written with the next one, the last with the end of the content: a message
    // read whole leaves in one write.
    let held: Buffer[] = [];
    for await (const piece of message.chunks()) {
      const chunk = Buffer.isBuffer(piece)
        ? piece
        : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      await wire.write(held, this.#timeouts.dataBlock);
      held = m.contentChunk(chunk);
      if (waitEach) {
        await wire.write(held, this.#timeouts.dataBlock);
        held = [];
      }
      while (waitEach && m.pending > 0 && !m.contentAborted) {
        const out = m.receive(await wire.reply(this.#timeouts[m.timeout ?? 'dataBlock'], 'content'));
        await wire.write(out.send, this.#timeouts.command);
      }
      if (m.contentAborted) return [];
    }
    await wire.write([...held, ...m.contentEnd()], this.#timeouts.dataBlock);
    return [];
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The result of {@link deliverMessage}: the session and the outcome of each recipient. */
export interface DeliveryAttempt {
  readonly session: SessionInfo;
  readonly recipients: RecipientOutcome[];
}

/** Connects, sends one message to all its recipients in one transaction, and QUITs. */
export async function deliverMessage(
  options: ClientOptions,
  envelope: Envelope,
  message: MessageSource,
): Promise<DeliveryAttempt> {
  const client = await SmtpClient.connect(options);
  const recipients = await client.send(envelope, message);
  const session = client.info;
  await client.quit();
  return { session, recipients };
}
