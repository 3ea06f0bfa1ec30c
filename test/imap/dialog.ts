/**
 * A scripted IMAP dialogue over a real socket, for transcript tests: write lines or raw bytes,
 * read whole responses (a response line with its literals), run a tagged command and collect
 * what came before its completion. Supports STARTTLS and implicit TLS.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';

/** What a tagged command produced: the responses before the completion, and the completion. */
export interface Exchange {
  /** Untagged (`* …`) and continuation (`+ …`) responses, in order, without CRLF. */
  untagged: string[];
  /** The tagged completion line, without CRLF. */
  tagged: string;
}

export class ImapDialog {
  #socket: net.Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  #closed = false;
  #tag = 0;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    this.#listen(socket);
  }

  /** Connects (implicit TLS with `tls`), without reading the greeting. */
  static async connect(port: number, options: { tls?: boolean } = {}): Promise<ImapDialog> {
    const socket = options.tls
      ? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false })
      : net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new ImapDialog(socket);
  }

  /** Connects and reads the `* OK` greeting. */
  static async greeted(port: number, options: { tls?: boolean } = {}): Promise<ImapDialog> {
    const imap = await ImapDialog.connect(port, options);
    const greeting = await imap.response();
    assert.ok(greeting?.startsWith('* OK '), `greeting: ${greeting}`);
    return imap;
  }

  /** Connects, reads the greeting and logs in with LOGIN (password "secret" by default). */
  static async login(
    port: number,
    user: string,
    password = 'secret',
    options: { tls?: boolean } = {},
  ): Promise<ImapDialog> {
    const imap = await ImapDialog.greeted(port, options);
    await imap.ok(`LOGIN ${user} ${password}`);
    return imap;
  }

  #listen(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends one line (CRLF added). */
  send(line: string): void {
    this.#socket.write(`${line}\r\n`);
  }

  /** Sends raw bytes. */
  write(data: string | Buffer): void {
    this.#socket.write(data);
  }

  /** A fresh tag: `t1`, `t2`, … */
  nextTag(): string {
    this.#tag += 1;
    return `t${this.#tag}`;
  }

  /** The length of one complete response at the start of the buffer (its literals included), or -1. */
  #completeLength(): number {
    let at = 0;
    for (;;) {
      const end = this.#buffer.indexOf('\r\n', at);
      if (end < 0) return -1;
      const literal = /\{(\d+)\+?\}$/.exec(this.#buffer.subarray(at, end).toString('latin1'));
      if (!literal) return end + 2;
      at = end + 2 + Number(literal[1]);
      if (at > this.#buffer.length) return -1;
    }
  }

  /** The next response (literals inline, CRLF removed), or undefined if the connection closes first. */
  async response(timeoutMs = 10_000): Promise<string | undefined> {
    return (await this.responseBytes(timeoutMs))?.toString('utf8');
  }

  /** {@link response} as the octets sent, for byte-exact checks. */
  async responseBytes(timeoutMs = 10_000): Promise<Buffer | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const length = this.#completeLength();
      if (length >= 0) {
        const bytes = this.#buffer.subarray(0, length - 2);
        this.#buffer = this.#buffer.subarray(length);
        return bytes;
      }
      if (this.#closed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for an IMAP response (have ${this.#buffer.length} octets)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** True when a complete response or more bytes arrive within `ms` (nothing is consumed). */
  async anythingWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (this.#buffer.length === 0 && !this.#closed && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.#buffer.length > 0;
  }

  /** Reads responses until the tagged one for `tag`. */
  async until(tag: string, timeoutMs = 10_000): Promise<Exchange> {
    const untagged: string[] = [];
    for (;;) {
      const line = await this.response(timeoutMs);
      assert.ok(line !== undefined, `connection closed before ${tag} completed; got ${untagged.join(' | ')}`);
      if (line.startsWith(`${tag} `)) return { untagged, tagged: line };
      untagged.push(line);
    }
  }

  /** Sends `line` under a fresh tag and reads up to its completion. */
  async command(line: string, timeoutMs?: number): Promise<Exchange> {
    const tag = this.nextTag();
    this.send(`${tag} ${line}`);
    const exchange = await this.until(tag, timeoutMs);
    return { untagged: exchange.untagged, tagged: exchange.tagged.slice(tag.length + 1) };
  }

  /** Runs a command and asserts that it completes OK (and, optionally, the text matches). */
  async ok(line: string, pattern?: RegExp): Promise<Exchange> {
    const exchange = await this.command(line);
    assert.match(exchange.tagged, /^OK\b/, `${line} → ${exchange.tagged}`);
    if (pattern) assert.match(exchange.tagged, pattern);
    return exchange;
  }

  /** Runs a command and asserts its completion kind (and pattern). */
  /**
   * APPENDs `message` to `mailbox` with a non-synchronizing literal (LITERAL+, RFC 7888), with
   * `options` (flags, date) before it; returns the tagged completion without its tag.
   */
  async append(mailbox: string, message: string | Buffer, options = ''): Promise<string> {
    const bytes = Buffer.from(message);
    const tag = this.nextTag();
    const opts = options ? `${options} ` : '';
    this.write(
      Buffer.concat([
        Buffer.from(`${tag} APPEND ${mailbox} ${opts}{${bytes.length}+}\r\n`),
        bytes,
        Buffer.from('\r\n'),
      ]),
    );
    const { tagged } = await this.until(tag);
    return tagged.slice(tag.length + 1);
  }

  async expect(line: string, kind: 'OK' | 'NO' | 'BAD', pattern?: RegExp): Promise<Exchange> {
    const exchange = await this.command(line);
    assert.ok(exchange.tagged.startsWith(`${kind} `), `${line} → ${exchange.tagged} (expected ${kind})`);
    if (pattern) assert.match(exchange.tagged, pattern);
    return exchange;
  }

  /** Upgrades to TLS, after the server's OK to STARTTLS. */
  async startTls(): Promise<void> {
    const raw = this.#socket;
    raw.removeAllListeners('data');
    raw.removeAllListeners('close');
    const secure = tls.connect({ socket: raw, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.#socket = secure;
    this.#buffer = Buffer.alloc(0);
    this.#listen(secure);
  }

  /** Waits for the server to close the connection. */
  async closedByServer(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.#closed;
  }

  /** LOGOUT, then close. */
  async logout(): Promise<void> {
    if (!this.#closed) await this.command('LOGOUT').catch(() => {});
    this.close();
  }

  close(): void {
    this.#socket.destroy();
  }
}
