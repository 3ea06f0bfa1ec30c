/**
 * A buffered, pull-based view of one client connection, shared by the SMTP, POP3 and IMAP
 * sessions: read a CRLF line (with a length limit), feed raw bytes to a decoder (DATA, BDAT,
 * literals), write with backpressure, upgrade to TLS. Reads take a timeout; a timed-out or
 * closed connection rejects the pending read with {@link ConnectionClosed}.
 */
import type { Socket } from 'node:net';
import { type SecureContext, TLSSocket } from 'node:tls';

/** Chunks written together are copied into one buffer below this size, sent with writev above it. */
const WRITEV_FROM = 64 * 1024;

/** The connection ended (peer closed, error, timeout, or local close) while a read was pending. */
export class ConnectionClosed extends Error {
  readonly reason: 'eof' | 'timeout' | 'error' | 'closed';
  constructor(reason: 'eof' | 'timeout' | 'error' | 'closed') {
    // Without a stack: one is made for every connection that ends, nobody reads its stack, and
    // capturing one cost about as much as a whole SMTP command.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`connection ${reason}`);
    Error.stackTraceLimit = limit;
    this.name = 'ConnectionClosed';
    this.reason = reason;
  }
}

/** One line read: its bytes without the CRLF, whether a bare CR or LF occurred in it, or that it was too long. */
export type LineRead = { kind: 'line'; line: Buffer; bareLineEnd: boolean } | { kind: 'too-long' };

/** A decoder fed from the connection: returns how many bytes of `chunk` it used, and whether it is done. */
export type ChunkConsumer = (chunk: Buffer) => { used: number; done: boolean };

/** Pause reading from the socket while this much is buffered and unread. */
const HIGH_WATER = 1024 * 1024;

export class Connection {
  #socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  /** Where the search for LF resumes in `#buffer` (bytes before it hold no CRLF). */
  #scanFrom = 0;
  #ended: ConnectionClosed | undefined;
  /** False once the socket closed or we closed it; input may end (FIN) while replies can still go out. */
  #writable = true;
  #wake: (() => void) | undefined;
  /** The read timeout (see #armReadTimer), its length, and what it does when it fires. */
  #readTimer: NodeJS.Timeout | undefined;
  #readTimerMs = 0;
  #onReadTimeout: (() => void) | undefined;
  #tls = false;
  /**
   * Runs before every wait for more input, e.g. to send queued replies: a server must not wait
   * for input while holding replies (RFC 2920), or a client that holds back part of a line
   * deadlocks and one that never reads makes replies pile up in memory.
   */
  beforeWait: (() => Promise<void>) | undefined;
  readonly remoteAddress: string;
  readonly remotePort: number;

  constructor(socket: Socket) {
    this.#socket = socket;
    this.remoteAddress = normalizeIp(socket.remoteAddress ?? '');
    this.remotePort = socket.remotePort ?? 0;
    this.#tls = socket instanceof TLSSocket;
    this.#attach(socket);
  }

  /** The local port (a getsockname call: read it only when needed). */
  get localPort(): number {
    return this.#socket.localPort ?? 0;
  }

  get secure(): boolean {
    return this.#tls;
  }

  get socket(): Socket {
    return this.#socket;
  }

  get closed(): boolean {
    return !this.#writable;
  }

  #attach(socket: Socket): void {
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onClose);
    socket.on('error', this.#onError);
  }

  #detach(socket: Socket): void {
    socket.off('data', this.#onData);
    socket.off('end', this.#onEnd);
    socket.off('close', this.#onClose);
    socket.off('error', this.#onError);
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    if (this.#buffer.length > HIGH_WATER) this.#socket.pause();
    this.#signal();
  };
  readonly #onEnd = (): void => this.#finish('eof');
  readonly #onClose = (): void => {
    this.#writable = false;
    this.#finish('eof');
  };
  readonly #onError = (): void => {
    this.#writable = false;
    this.#finish('error');
  };

  #finish(reason: ConnectionClosed['reason']): void {
    clearTimeout(this.#readTimer);
    this.#onReadTimeout = undefined;
    // Built once: an Error per event would cost every connection twice.
    this.#ended ??= new ConnectionClosed(reason);
    this.#signal();
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Waits until more data arrives or the connection ends; rejects on end, timeout or abort. */
  async #waitForData(timeoutMs: number): Promise<void> {
    if (this.#ended) throw this.#ended;
    if (this.beforeWait) {
      const buffered = this.#buffer.length;
      await this.beforeWait();
      // Input that arrived meanwhile is read first (its wake-up had no one to wake).
      if (this.#ended || this.#buffer.length !== buffered) return;
    }
    if (this.#socket.isPaused()) this.#socket.resume();
    return new Promise((resolve, reject) => {
      if (timeoutMs > 0)
        this.#armReadTimer(timeoutMs, () => {
          this.#wake = undefined;
          reject(new ConnectionClosed('timeout'));
        });
      this.#wake = () => {
        this.#onReadTimeout = undefined;
        if (this.#ended && this.#buffer.length === 0) reject(this.#ended);
        else resolve();
      };
    });
  }

  /**
   * Starts the read timeout of a wait: one timer per connection, restarted by each wait rather
   * than made and cleared each time (a timer made and cleared per command cost as much as the
   * rest of reading it). A timer that fires while no wait is pending does nothing.
   */
  #armReadTimer(timeoutMs: number, onTimeout: () => void): void {
    this.#onReadTimeout = onTimeout;
    if (this.#readTimer && this.#readTimerMs === timeoutMs) {
      this.#readTimer.refresh();
      return;
    }
    clearTimeout(this.#readTimer);
    this.#readTimerMs = timeoutMs;
    this.#readTimer = setTimeout(() => {
      const fire = this.#onReadTimeout;
      this.#onReadTimeout = undefined;
      fire?.();
    }, timeoutMs);
    // The socket keeps the process alive while the connection is open, not this timer.
    this.#readTimer.unref();
  }

  #consume(n: number): Buffer {
    const head = this.#buffer.subarray(0, n);
    this.#buffer = this.#buffer.subarray(n);
    this.#scanFrom = 0;
    if (this.#buffer.length < HIGH_WATER && this.#socket.isPaused() && !this.#ended) this.#socket.resume();
    return head;
  }

  /**
   * Reads one line ended by CRLF (RFC 5321 §2.3.8; bare CR or LF never end a line).
   * A line longer than `maxLength` octets (CRLF included) is read to its end and discarded,
   * and reported as `too-long`.
   */
  async readLine(maxLength: number, timeoutMs: number): Promise<LineRead> {
    let discarding = false;
    for (;;) {
      const buffer = this.#buffer;
      let found = -1;
      for (
        let index = buffer.indexOf(10, this.#scanFrom);
        index !== -1;
        index = buffer.indexOf(10, index + 1)
      ) {
        if (index > 0 && buffer[index - 1] === 13) {
          found = index;
          break;
        }
      }
      if (found !== -1) {
        const line = this.#consume(found + 1).subarray(0, found - 1);
        if (discarding || found + 1 > maxLength) return { kind: 'too-long' };
        return { kind: 'line', line, bareLineEnd: line.includes(10) || line.includes(13) };
      }
      if (buffer.length > maxLength) {
        // Keep only a possible trailing CR, discard the rest of the overlong line.
        const keep = buffer[buffer.length - 1] === 13 ? 1 : 0;
        this.#consume(buffer.length - keep);
        discarding = true;
      } else {
        this.#scanFrom = Math.max(0, buffer.length - 1);
      }
      await this.#waitForData(timeoutMs);
    }
  }

  /** Feeds buffered and arriving bytes to `consume` until it reports done; each wait for data has its own timeout. */
  async feed(consume: ChunkConsumer, timeoutMs: number): Promise<void> {
    for (;;) {
      if (this.#buffer.length > 0) {
        const { used, done } = consume(this.#buffer);
        this.#consume(used);
        if (done) return;
      }
      await this.#waitForData(timeoutMs);
    }
  }

  /** Drops any buffered input (used before STARTTLS: RFC 3207 §4.2, CVE-2011-0411). */
  discardBuffered(): number {
    const n = this.#buffer.length;
    this.#consume(n);
    return n;
  }

  /** True when unread input is waiting (the client pipelined more commands). */
  hasBuffered(): boolean {
    return this.#buffer.length > 0;
  }

  /**
   * Writes and resolves when the data is handed to the kernel (or buffered under the limit).
   * Several chunks go out together: copied into one buffer when small, with writev when large.
   * When the peer does not read it within `timeoutMs` (if given), the connection is destroyed
   * and pending and later reads reject with a `timeout` {@link ConnectionClosed}.
   */
  write(data: string | Buffer | readonly Buffer[], timeoutMs = 0): Promise<void> {
    if (!this.#writable || this.#socket.destroyed) return Promise.resolve();
    const socket = this.#socket;
    let flushed = true;
    if (typeof data === 'string' || Buffer.isBuffer(data)) flushed = socket.write(data);
    else {
      const octets = data.reduce((n, chunk) => n + chunk.length, 0);
      if (octets < WRITEV_FROM) flushed = socket.write(Buffer.concat(data, octets));
      else {
        // Large output in one system call (writev), without copying it into one buffer first.
        socket.cork();
        for (const chunk of data) flushed = socket.write(chunk);
        socket.uncork();
      }
    }
    if (flushed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.#finish('timeout');
              socket.destroy();
            }, timeoutMs)
          : undefined;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.once('drain', done);
      socket.once('close', done);
    });
  }

  /** Upgrades the connection to TLS as the server side; buffered plaintext is discarded first. */
  async startTls(context: SecureContext, timeoutMs: number): Promise<void> {
    this.discardBuffered();
    const raw = this.#socket;
    this.#detach(raw);
    const secure = new TLSSocket(raw, { isServer: true, secureContext: context });
    this.#socket = secure;
    this.#tls = true;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new ConnectionClosed('timeout')), timeoutMs);
      // The peer leaving mid-handshake (FIN on a half-open socket, or close) fails it at once.
      const gone = (): void => fail(new ConnectionClosed('eof'));
      const fail = (err: unknown): void => {
        clearTimeout(timer);
        secure.off('secure', ok);
        for (const socket of [raw, secure]) {
          socket.off('end', gone);
          socket.off('close', gone);
        }
        reject(err instanceof ConnectionClosed ? err : new ConnectionClosed('error'));
      };
      const ok = (): void => {
        clearTimeout(timer);
        secure.off('error', fail);
        for (const socket of [raw, secure]) {
          socket.off('end', gone);
          socket.off('close', gone);
        }
        resolve();
      };
      secure.once('secure', ok);
      secure.once('error', fail);
      for (const socket of [raw, secure]) {
        socket.once('end', gone);
        socket.once('close', gone);
      }
    }).catch((err: unknown) => {
      this.#ended ??= err as ConnectionClosed;
      secure.destroy();
      throw err;
    });
    this.#attach(secure);
  }

  /** TLS details for trace headers and logs, when the connection is secure. */
  tlsInfo(): { protocol: string; cipher: string } | undefined {
    const socket = this.#socket;
    if (!(socket instanceof TLSSocket)) return undefined;
    return { protocol: socket.getProtocol() ?? 'TLS', cipher: socket.getCipher()?.name ?? 'unknown' };
  }

  /** Closes after flushing what was written. */
  close(): void {
    this.#finish('closed');
    // end() sends what is still buffered, then FIN; nothing is written after it.
    this.#socket.end();
    this.#writable = false;
    const socket = this.#socket;
    setTimeout(() => socket.destroy(), 2000).unref();
  }

  destroy(): void {
    this.#writable = false;
    this.#finish('closed');
    this.#socket.destroy();
  }
}

/** IPv4-mapped IPv6 addresses (::ffff:1.2.3.4) are shown as plain IPv4. */
export function normalizeIp(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** True for 127.0.0.0/8 and ::1 (RFC 6890), as Dovecot treats local connections. */
export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}
