/**
 * The socket under the SMTP client: connect with a timeout, write with a timeout per block
 * (RFC 5321 §4.5.3.2.5), read whole replies through the shared `ReplyParser` with a timeout, and
 * upgrade to TLS in place (RFC 3207). Every failure is a {@link WireError} with a readable text.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Reply } from '../../proto/smtp/reply.ts';
import { ReplyParser } from '../../proto/smtp/reply-parser.ts';

/** A connection problem: refused, reset, closed, timed out, TLS failure, malformed reply. */
export class WireError extends Error {
  override readonly name = 'WireError';
}

/** What the TLS layer negotiated. */
export interface TlsInfo {
  readonly protocol: string | null;
  readonly cipher: string | null;
  /** The peer's certificate chain was verified against the trusted CAs and the name. */
  readonly authorized: boolean;
  readonly authorizationError: string | null;
}

/** A connected socket that yields SMTP replies. */
export class Wire {
  #socket: net.Socket;
  #parser = new ReplyParser();
  #replies: Reply[] = [];
  #error: WireError | null = null;
  #waiter: (() => void) | null = null;
  readonly #peer: string;
  readonly #onData = (chunk: Buffer): void => this.#data(chunk);
  readonly #onEnd = (): void => this.#fail(new WireError(`Connection closed by ${this.#peer}`));
  readonly #onError = (err: Error): void =>
    this.#fail(new WireError(`Connection to ${this.#peer} failed: ${err.message}`));

  private constructor(socket: net.Socket, peer: string) {
    this.#socket = socket;
    this.#peer = peer;
    this.#attach();
  }

  /** Connects to `host:port` (an IP address: names are resolved by the caller's Resolver). */
  static async connect(
    options: {
      host: string;
      port: number;
      localAddress?: string | undefined;
      tls?: tls.ConnectionOptions | undefined;
    },
    timeoutMs: number,
  ): Promise<Wire> {
    if (net.isIP(options.host) === 0)
      throw new RangeError(`SMTP client connects to IP addresses only, not ${options.host}`);
    const peer = `${options.host}:${options.port}`;
    const where = {
      host: options.host,
      port: options.port,
      ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
    };
    const socket = options.tls !== undefined ? tls.connect({ ...options.tls, ...where }) : net.connect(where);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new WireError(`Connection to ${peer} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once(options.tls !== undefined ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new WireError(`Connection to ${peer} failed: ${err.message}`));
      });
    });
    socket.setNoDelay(true);
    return new Wire(socket, peer);
  }

  /** True when the socket is TLS. */
  get secure(): boolean {
    return this.#socket instanceof tls.TLSSocket;
  }

  /** What TLS negotiated, or null without TLS. */
  tlsInfo(): TlsInfo | null {
    const s = this.#socket;
    if (!(s instanceof tls.TLSSocket)) return null;
    const err = s.authorizationError;
    return {
      protocol: s.getProtocol() ?? null,
      cipher: s.getCipher()?.name ?? null,
      authorized: s.authorized,
      authorizationError: err === undefined || err === null ? null : String(err),
    };
  }

  /** Writes `buffers`; resolves once the kernel took them, or fails after `timeoutMs` (§4.5.3.2.5). */
  async write(buffers: readonly Buffer[], timeoutMs: number): Promise<void> {
    if (buffers.length === 0) return;
    if (this.#error !== null) throw this.#error;
    const s = this.#socket;
    s.cork();
    let flushed = true;
    for (const b of buffers) flushed = s.write(b);
    s.uncork();
    if (flushed) return;
    await this.#until(
      () => this.#drained,
      timeoutMs,
      'to send data',
      () => {
        this.#drained = false;
        s.once('drain', () => {
          this.#drained = true;
          this.#wake();
        });
      },
    );
  }
  #drained = false;

  /** The next reply, waiting at most `timeoutMs`. */
  async reply(timeoutMs: number, what: string): Promise<Reply> {
    await this.#until(() => this.#replies.length > 0, timeoutMs, `for the reply to ${what}`);
    return this.#replies.shift()!;
  }

  /** Upgrades the connection to TLS after a 220 to STARTTLS (RFC 3207 §4). */
  async startTls(options: tls.ConnectionOptions, timeoutMs: number): Promise<void> {
    const plain = this.#socket;
    this.#detach();
    // RFC 3207 §4.2: nothing received before the handshake may be used afterwards.
    this.#parser = new ReplyParser();
    this.#replies = [];
    const secure = tls.connect({ ...options, socket: plain });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        secure.destroy();
        reject(new WireError(`TLS handshake with ${this.#peer} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      secure.once('secureConnect', () => {
        clearTimeout(timer);
        resolve();
      });
      secure.once('error', (err) => {
        clearTimeout(timer);
        secure.destroy();
        reject(new WireError(`TLS handshake with ${this.#peer} failed: ${err.message}`));
      });
    });
    this.#socket = secure;
    this.#attach();
  }

  /** Fails whatever waits with `text`, and closes the connection. */
  abort(text: string): void {
    this.#fail(new WireError(text));
    this.destroy();
  }

  /** Closes the connection at once. */
  destroy(): void {
    this.#detach();
    this.#socket.on('error', () => {});
    this.#socket.destroy();
  }

  #attach(): void {
    this.#socket.on('data', this.#onData);
    this.#socket.on('end', this.#onEnd);
    this.#socket.on('close', this.#onEnd);
    this.#socket.on('error', this.#onError);
  }

  #detach(): void {
    this.#socket.off('data', this.#onData);
    this.#socket.off('end', this.#onEnd);
    this.#socket.off('close', this.#onEnd);
    this.#socket.off('error', this.#onError);
  }

  #data(chunk: Buffer): void {
    const r = this.#parser.push(chunk);
    this.#replies.push(...r.replies);
    if (!r.ok) {
      this.#fail(new WireError(`Malformed reply from ${this.#peer}: ${r.reason}`));
      this.#socket.destroy();
    }
    this.#wake();
  }

  #fail(err: WireError): void {
    this.#error ??= err;
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }

  /** Waits until `ready()`, the connection fails, or `timeoutMs` passes. */
  async #until(ready: () => boolean, timeoutMs: number, what: string, arm?: () => void): Promise<void> {
    arm?.();
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (this.#error !== null) throw this.#error;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => {
            this.#waiter = null;
            reject(new WireError(`Timed out after ${timeoutMs} ms waiting ${what} (${this.#peer})`));
          },
          Math.max(0, deadline - Date.now()),
        );
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
