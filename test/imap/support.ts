/**
 * A small scripted IMAP client for transcript tests of mailbox management, APPEND and COPY/MOVE:
 * sends tagged commands (with synchronizing or non-synchronizing literals) over a real socket and
 * returns the untagged responses and the tagged completion.
 */
import assert from 'node:assert/strict';
import net from 'node:net';

/** What one tagged command produced. */
export interface Reply {
  /** The untagged and continuation responses, in order (literals inline, no CRLF). */
  untagged: string[];
  /** The completion without its tag, e.g. `OK [APPENDUID 1 1] APPEND completed`. */
  tagged: string;
}

export class Session {
  readonly #socket: net.Socket;
  #buffer = Buffer.alloc(0);
  #closed = false;
  #wake: (() => void) | undefined;
  #tag = 0;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
    socket.on('error', () => {});
  }

  /** Connects, reads the greeting, and logs in with LOGIN (password "secret"). */
  static async login(port: number, user: string, password = 'secret'): Promise<Session> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const session = new Session(socket);
    const greeting = await session.line();
    assert.match(greeting, /^\* OK /);
    await session.ok(`LOGIN ${user} ${password}`);
    return session;
  }

  /** The next whole response line (with any literals it announces), without the final CRLF. */
  async line(timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const length = this.#complete();
      if (length >= 0) {
        const text = this.#buffer.subarray(0, length - 2).toString('utf8');
        this.#buffer = this.#buffer.subarray(length);
        return text;
      }
      if (this.#closed) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; have ${JSON.stringify(this.#buffer.toString())}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          this.#wake = undefined;
          resolve();
        };
      });
    }
  }

  #complete(): number {
    let at = 0;
    for (;;) {
      const end = this.#buffer.indexOf('\r\n', at);
      if (end < 0) return -1;
      const literal = /\{(\d+)\}$/.exec(this.#buffer.subarray(at, end).toString('latin1'));
      if (!literal) return end + 2;
      at = end + 2 + Number(literal[1]);
      if (at > this.#buffer.length) return -1;
    }
  }

  /**
   * Sends a command in pieces: every piece but the last ends with a synchronizing literal
   * announcement `{n}`, and the next piece is only sent after the server's `+` continuation.
   * With one piece, sends the command as is (non-synchronizing `{n+}` literals may be inline).
   */
  async run(...pieces: (string | Buffer)[]): Promise<Reply> {
    this.#tag += 1;
    const tag = `a${this.#tag}`;
    const untagged: string[] = [];
    this.#socket.write(Buffer.concat([Buffer.from(`${tag} `), Buffer.from(pieces[0]!), Buffer.from('\r\n')]));
    for (let i = 1; i <= pieces.length; i++) {
      for (;;) {
        const line = await this.line();
        if (line.startsWith(`${tag} `)) return { untagged, tagged: line.slice(tag.length + 1) };
        untagged.push(line);
        if (line.startsWith('+') && i < pieces.length) break;
      }
      const piece = pieces[i]!;
      this.#socket.write(
        Buffer.concat([Buffer.from(piece), Buffer.from(i === pieces.length - 1 ? '\r\n' : '')]),
      );
    }
    throw new Error('unreachable');
  }

  /** Runs a command and asserts it completed OK. */
  async ok(...pieces: (string | Buffer)[]): Promise<Reply> {
    const reply = await this.run(...pieces);
    assert.match(reply.tagged, /^OK\b/, `${String(pieces[0])} → ${reply.tagged}`);
    return reply;
  }

  /** Runs a command and asserts its completion matches `pattern` (e.g. /^NO \[TRYCREATE\]/). */
  async expect(pattern: RegExp, ...pieces: (string | Buffer)[]): Promise<Reply> {
    const reply = await this.run(...pieces);
    assert.match(reply.tagged, pattern, `${String(pieces[0])} → ${reply.tagged}`);
    return reply;
  }

  /** APPENDs one message with a non-synchronizing literal; `options` are flags and date as sent. */
  append(mailbox: string, message: string | Buffer, options = ''): Promise<Reply> {
    const data = Buffer.from(message);
    const opts = options ? `${options} ` : '';
    return this.run(Buffer.concat([Buffer.from(`APPEND ${mailbox} ${opts}{${data.length}+}\r\n`), data]));
  }

  /** The names LIST "" "*" returns, with their attributes: `name → "\\HasNoChildren ..."`. */
  async list(command = 'LIST "" "*"'): Promise<Map<string, string>> {
    const reply = await this.ok(command);
    const out = new Map<string, string>();
    for (const line of reply.untagged) {
      const m = /^\* (?:LIST|LSUB) \(([^)]*)\) (?:"\/"|NIL) (?:"((?:[^"\\]|\\.)*)"|(\S+))/.exec(line);
      if (m) out.set((m[2] ?? m[3]!).replace(/\\(.)/g, '$1'), m[1]!);
    }
    return out;
  }

  async logout(): Promise<void> {
    if (!this.#closed) await this.run('LOGOUT').catch(() => {});
    this.#socket.destroy();
  }
}

/** A short message with a subject, CRLF line ends. */
export function message(subject: string, body = 'Hello'): string {
  return `From: a@loft.test\r\nTo: b@loft.test\r\nSubject: ${subject}\r\n\r\n${body}\r\n`;
}
