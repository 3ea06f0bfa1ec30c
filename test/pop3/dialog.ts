/**
 * A scripted POP3 dialogue over a real socket, for transcript tests: write lines or raw bytes,
 * read status lines and multi-line responses (raw as on the wire, and un-stuffed), assert on
 * `+OK` / `-ERR` and response codes. Supports STLS and implicit TLS.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';

export interface StatusLine {
  ok: boolean;
  /** The whole line without CRLF. */
  line: string;
  /** The text after `+OK ` / `-ERR `. */
  text: string;
}

export interface Multiline extends StatusLine {
  /** The lines between the status line and ".", with byte-stuffing removed. */
  lines: string[];
  /** The octets between the status line and the terminator, as sent (dot-stuffed). */
  raw: Buffer;
  /** The content with byte-stuffing removed: what RETR's octet count counts. */
  content: Buffer;
}

export class Pop3Dialog {
  #socket: net.Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  #closed = false;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    this.#listen(socket);
  }

  static async connect(port: number, options: { tls?: boolean } = {}): Promise<Pop3Dialog> {
    const socket = options.tls
      ? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false })
      : net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new Pop3Dialog(socket);
  }

  /** Connects and reads the greeting. */
  static async greeted(port: number, options: { tls?: boolean } = {}): Promise<Pop3Dialog> {
    const pop = await Pop3Dialog.connect(port, options);
    await pop.expectOk(/Loft POP3 server ready/);
    return pop;
  }

  /** Connects, reads the greeting, and logs in with USER/PASS. */
  static async login(
    port: number,
    user: string,
    password = 'secret',
    options: { tls?: boolean } = {},
  ): Promise<Pop3Dialog> {
    const pop = await Pop3Dialog.greeted(port, options);
    await pop.command(`USER ${user}`, true);
    await pop.command(`PASS ${password}`, true, /^Logged in/);
    return pop;
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

  get socket(): net.Socket {
    return this.#socket;
  }

  /** Sends one command line (CRLF added). */
  send(line: string): void {
    this.#socket.write(`${line}\r\n`);
  }

  /** Sends raw bytes. */
  write(data: string | Buffer): void {
    this.#socket.write(data);
  }

  /** Bytes received and not read yet. */
  pending(): Buffer {
    return this.#buffer;
  }

  /** The next CRLF-ended line (without CRLF), or undefined if the connection closes first. */
  async readLine(timeoutMs = 10_000): Promise<Buffer | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.#buffer.indexOf('\r\n');
      if (at !== -1) {
        const line = this.#buffer.subarray(0, at);
        this.#buffer = this.#buffer.subarray(at + 2);
        return line;
      }
      if (this.#closed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for a POP3 line; have ${JSON.stringify(String(this.#buffer))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The next status line; asserts it is one. */
  async status(timeoutMs?: number): Promise<StatusLine | undefined> {
    const raw = await this.readLine(timeoutMs);
    if (raw === undefined) return undefined;
    const line = raw.toString('utf8');
    const m = /^(\+OK|-ERR)(?: (.*))?$/s.exec(line);
    assert.ok(m, `not a POP3 status line: ${JSON.stringify(line)}`);
    return { ok: m[1] === '+OK', line, text: m[2] ?? '' };
  }

  /** Reads a status line and asserts `+OK` (and optionally a pattern in its text). */
  async expectOk(pattern?: RegExp): Promise<StatusLine> {
    const s = await this.status();
    assert.ok(s, 'expected +OK, but the connection closed');
    assert.ok(s.ok, `expected +OK, got ${s.line}`);
    if (pattern) assert.match(s.text, pattern);
    return s;
  }

  /** Reads a status line and asserts `-ERR` (and optionally a pattern in its text). */
  async expectErr(pattern?: RegExp): Promise<StatusLine> {
    const s = await this.status();
    assert.ok(s, 'expected -ERR, but the connection closed');
    assert.ok(!s.ok, `expected -ERR, got ${s.line}`);
    if (pattern) assert.match(s.text, pattern);
    return s;
  }

  /** Sends a command and expects `+OK` (ok true) or `-ERR` (ok false). */
  async command(line: string, ok: boolean, pattern?: RegExp): Promise<StatusLine> {
    this.send(line);
    return ok ? this.expectOk(pattern) : this.expectErr(pattern);
  }

  /** Reads a whole multi-line response (status `+OK`, lines, "."). */
  async multiline(pattern?: RegExp): Promise<Multiline> {
    const status = await this.expectOk(pattern);
    const raw: Buffer[] = [];
    const content: Buffer[] = [];
    const lines: string[] = [];
    for (;;) {
      const line = await this.readLine();
      assert.ok(line !== undefined, 'connection closed inside a multi-line response');
      if (line.length === 1 && line[0] === 0x2e) break;
      raw.push(line, Buffer.from('\r\n'));
      const unstuffed = line[0] === 0x2e ? line.subarray(1) : line;
      content.push(unstuffed, Buffer.from('\r\n'));
      lines.push(unstuffed.toString('utf8'));
    }
    return { ...status, lines, raw: Buffer.concat(raw), content: Buffer.concat(content) };
  }

  /** Sends a command that answers with a multi-line response and reads it. */
  async multi(line: string, pattern?: RegExp): Promise<Multiline> {
    this.send(line);
    return this.multiline(pattern);
  }

  /** Upgrades to TLS after `+OK` to STLS. */
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
    this.#listen(secure);
  }

  /** Resolves when the server has closed the connection (or after `timeoutMs`, with false). */
  async waitClosed(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#closed) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  /** Sends QUIT and expects `+OK` and the close. */
  async quit(pattern?: RegExp): Promise<StatusLine> {
    const s = await this.command('QUIT', true, pattern);
    assert.ok(await this.waitClosed(), 'the server closes the connection after QUIT');
    return s;
  }

  close(): void {
    this.#socket.destroy();
  }
}
