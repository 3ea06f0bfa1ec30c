/**
 * Loft's own load generator, for machines without Postfix's smtp-source: `sessions` SMTP
 * clients in parallel sending `messages` messages in all, each of `payloadBytes` body octets,
 * a new connection per message unless `reuseConnections`. A message counts as accepted only
 * on a 250 reply to its end of data.
 */
import net from 'node:net';

export interface SourceSpec {
  port: number;
  sessions: number;
  messages: number;
  payloadBytes: number;
  from: string;
  to: string;
  helo: string;
  reuseConnections: boolean;
  /** Gives up on one reply after this long. */
  replyTimeoutMs: number;
  /** No new message is started after this time (ms since the epoch); untried ones count as failed. */
  deadline?: number;
  /**
   * The content of the message numbered `index` (0, 1, …), instead of one generated message for
   * all: ending with CRLF, no line starting with a dot.
   */
  content?: (index: number) => Buffer;
}

export interface SourceOutcome {
  accepted: number;
  failed: number;
  /** The first few failures, for the report. */
  errors: string[];
}

interface Reply {
  code: number;
  text: string;
}

/** Reads SMTP replies (RFC 5321 §4.2: `code-text` lines continue, `code text` ends) from a socket. */
class ReplyReader {
  readonly #socket: net.Socket;
  #buffer = '';
  #waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;
  #error: Error | undefined;

  constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      this.#deliver();
    });
    const fail = (err: Error): void => {
      this.#error ??= err;
      this.#waiting?.reject(this.#error);
      this.#waiting = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  #take(): Reply | undefined {
    let start = 0;
    for (;;) {
      const end = this.#buffer.indexOf('\n', start);
      if (end < 0) return undefined;
      const line = this.#buffer.slice(start, end).replace(/\r$/, '');
      start = end + 1;
      if (line.charAt(3) !== '-') {
        const text = this.#buffer.slice(0, start);
        this.#buffer = this.#buffer.slice(start);
        return { code: Number(line.slice(0, 3)), text: text.trimEnd() };
      }
    }
  }

  #deliver(): void {
    if (!this.#waiting) return;
    const reply = this.#take();
    if (reply) {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting.resolve(reply);
    }
  }

  /** The next complete reply; rejects on error, close or after `timeoutMs`. */
  next(timeoutMs: number): Promise<Reply> {
    const ready = this.#take();
    if (ready) return Promise.resolve(ready);
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        reject(new Error('reply timeout'));
        this.#socket.destroy();
      }, timeoutMs);
      this.#waiting = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }
}

/** A message of `payloadBytes` body octets after a few header fields, in 80-octet lines. */
export function buildMessage(spec: Pick<SourceSpec, 'from' | 'to' | 'payloadBytes'>): Buffer {
  const header = `From: <${spec.from}>\r\nTo: <${spec.to}>\r\nSubject: bench\r\nDate: ${new Date().toUTCString()}\r\n\r\n`;
  const lines: string[] = [];
  let left = spec.payloadBytes;
  for (let n = 1; left > 0; n++) {
    // Lines of at most 80 octets with CRLF; each starts with a digit, never a dot, so no
    // dot-stuffing is needed. The last line may overshoot `payloadBytes` by up to 2 octets.
    const width = Math.min(80, Math.max(left, 3));
    lines.push(`${(String(n) + 'X'.repeat(80)).slice(0, width - 2)}\r\n`);
    left -= width;
  }
  return Buffer.from(header + lines.join(''), 'latin1');
}

class SessionError extends Error {}

async function expect(reader: ReplyReader, code: number, timeoutMs: number, step: string): Promise<void> {
  const reply = await reader.next(timeoutMs);
  if (reply.code !== code) throw new SessionError(`${step}: expected ${code}, got ${reply.text}`);
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Runs the load; resolves when every message has been tried. Never throws for a server's refusal. */
export async function nodeSource(spec: SourceSpec): Promise<SourceOutcome> {
  const message = buildMessage(spec);
  const outcome: SourceOutcome = { accepted: 0, failed: 0, errors: [] };
  let next = 0;
  const deadline = spec.deadline ?? Number.POSITIVE_INFINITY;
  const note = (err: unknown): void => {
    outcome.failed += 1;
    if (outcome.errors.length < 5) outcome.errors.push((err as Error).message);
  };

  const worker = async (): Promise<void> => {
    let socket: net.Socket | undefined;
    let reader: ReplyReader | undefined;
    while (next < spec.messages && Date.now() < deadline) {
      const index = next;
      next += 1;
      try {
        if (!socket || !reader) {
          socket = await connect(spec.port);
          reader = new ReplyReader(socket);
          await expect(reader, 220, spec.replyTimeoutMs, 'greeting');
          socket.write(`EHLO ${spec.helo}\r\n`);
          await expect(reader, 250, spec.replyTimeoutMs, 'EHLO');
        }
        socket.write(`MAIL FROM:<${spec.from}>\r\n`);
        await expect(reader, 250, spec.replyTimeoutMs, 'MAIL');
        socket.write(`RCPT TO:<${spec.to}>\r\n`);
        await expect(reader, 250, spec.replyTimeoutMs, 'RCPT');
        socket.write('DATA\r\n');
        await expect(reader, 354, spec.replyTimeoutMs, 'DATA');
        socket.write(spec.content ? spec.content(index) : message);
        socket.write('.\r\n');
        await expect(reader, 250, spec.replyTimeoutMs, 'end of data');
        outcome.accepted += 1;
        if (!spec.reuseConnections) {
          socket.write('QUIT\r\n');
          await expect(reader, 221, spec.replyTimeoutMs, 'QUIT').catch(() => undefined);
          socket.destroy();
          socket = undefined;
        }
      } catch (err) {
        note(err);
        socket?.destroy();
        socket = undefined;
      }
    }
    if (socket && reader) {
      socket.write('QUIT\r\n');
      await expect(reader, 221, spec.replyTimeoutMs, 'QUIT').catch(() => undefined);
      socket.destroy();
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, spec.sessions) }, worker));
  const untried = spec.messages - next;
  if (untried > 0) note(new Error(`deadline passed with ${untried} messages not sent`));
  outcome.failed += Math.max(0, untried - 1);
  return outcome;
}
