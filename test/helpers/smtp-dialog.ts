/**
 * A scripted SMTP dialogue over a real socket, for transcript tests: write lines or raw bytes,
 * read whole (multi-line) replies, assert on codes. Supports STARTTLS.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { ReplyParser } from '../../src/proto/smtp/reply-parser.ts';

export interface ParsedReply {
  code: number;
  lines: string[];
  text: string;
}

export class SmtpDialog {
  #socket: net.Socket;
  #replies: ParsedReply[] = [];
  #waiters: (() => void)[] = [];
  #parser = new ReplyParser();
  #closed = false;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    this.#listen(socket);
  }

  static async connect(port: number, options: { tls?: boolean } = {}): Promise<SmtpDialog> {
    const socket = options.tls
      ? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false })
      : net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new SmtpDialog(socket);
  }

  #listen(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      const result = this.#parser.push(chunk);
      for (const reply of result.replies) {
        const lines = [...reply.lines];
        const text = (reply.enhanced ? `${reply.enhanced} ` : '') + lines.join('\n');
        this.#replies.push({ code: reply.code, lines, text });
      }
      if (!result.ok) this.#socket.destroy();
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

  /** Sends one command line (CRLF added). */
  send(line: string): void {
    this.#socket.write(`${line}\r\n`);
  }

  /** Sends raw bytes. */
  write(data: string | Buffer): void {
    this.#socket.write(data);
  }

  /** The next reply, or undefined if the connection closes first. */
  async reply(timeoutMs = 10_000): Promise<ParsedReply | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.#replies.length === 0) {
      if (this.#closed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for an SMTP reply');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.#replies.shift();
  }

  /** Reads the next reply and asserts its code (and optionally a pattern in its text). */
  async expect(code: number, pattern?: RegExp): Promise<ParsedReply> {
    const reply = await this.reply();
    assert.ok(reply, `expected ${code}, but the connection closed`);
    assert.equal(reply.code, code, `expected ${code}, got ${reply.code} ${reply.text}`);
    if (pattern) assert.match(reply.text, pattern);
    return reply;
  }

  /** Sends a command and expects a reply code. */
  async command(line: string, code: number, pattern?: RegExp): Promise<ParsedReply> {
    this.send(line);
    return this.expect(code, pattern);
  }

  /** Upgrades to TLS after a 220 to STARTTLS. */
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
    this.#parser = new ReplyParser();
    this.#listen(secure);
  }

  /** Waits for the server to close the connection. */
  async closedByServer(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.#closed;
  }

  close(): void {
    this.#socket.destroy();
  }
}
