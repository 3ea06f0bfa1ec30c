/**
 * An SMTP sink for the outbound benchmark: accepts every message (PIPELINING, 8BITMIME), counts
 * the messages and connections, notes each message's Message-ID (so a run can check that every
 * message arrived exactly once), and keeps nothing else. Both Loft's runner and Postfix's smtp
 * client deliver to it, so the sink costs both sides the same.
 */
import net from 'node:net';

export interface Sink {
  readonly port: number;
  /** Messages whose end of data got a 250. */
  readonly messages: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** When the first and the latest message ended (ms since the epoch). */
  readonly firstAt: number | undefined;
  readonly lastAt: number | undefined;
  /** How many times each Message-ID arrived (messages without one are counted under ''). */
  readonly ids: ReadonlyMap<string, number>;
  reset(): void;
  close(): Promise<void>;
}

const EHLO = '250-sink.bench.invalid\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 104857600\r\n';
const END_OF_DATA = '\r\n.\r\n';
/** Enough of each message to hold its header. */
const CAPTURE_LIMIT = 16 * 1024;

/** The Message-ID of a message (its text up to the end of the header), without brackets; '' if none. */
export function messageIdOf(text: string): string {
  const end = text.indexOf('\r\n\r\n');
  const header = end === -1 ? text : text.slice(0, end);
  // RFC 5322 §3.6.4: msg-id = "<" id-left "@" id-right ">"
  return /^Message-ID:[ \t]*<([^>\r\n]+)>/im.exec(header)?.[1] ?? '';
}

/**
 * One sink session without I/O: takes what the client sent (latin1 text, cut anywhere), returns
 * the replies to write, the Message-IDs of the messages that ended, and whether the client quit.
 */
export class SinkSession {
  #buffer = '';
  #inData = false;
  #captured = '';

  push(chunk: string): { replies: string; ended: string[]; quit: boolean } {
    this.#buffer += chunk;
    let replies = '';
    const ended: string[] = [];
    for (;;) {
      if (this.#inData) {
        // A CRLF was put before the content, so an empty message ends the same way.
        const end = this.#buffer.indexOf(END_OF_DATA);
        if (end === -1) {
          // Keep only what could start the terminator.
          const keep = Math.min(this.#buffer.length, 4);
          this.#capture(this.#buffer.slice(0, this.#buffer.length - keep));
          this.#buffer = this.#buffer.slice(this.#buffer.length - keep);
          break;
        }
        this.#capture(this.#buffer.slice(0, end));
        this.#buffer = this.#buffer.slice(end + END_OF_DATA.length);
        this.#inData = false;
        ended.push(messageIdOf(this.#captured.slice(2)));
        this.#captured = '';
        replies += '250 2.0.0 sunk\r\n';
        continue;
      }
      const eol = this.#buffer.indexOf('\r\n');
      if (eol === -1) break;
      const line = this.#buffer.slice(0, eol);
      this.#buffer = this.#buffer.slice(eol + 2);
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') replies += EHLO;
      else if (verb === 'DATA') {
        replies += '354 go ahead\r\n';
        this.#inData = true;
        this.#buffer = `\r\n${this.#buffer}`;
      } else if (verb === 'QUIT') return { replies: `${replies}221 bye\r\n`, ended, quit: true };
      else replies += '250 ok\r\n';
    }
    return { replies, ended, quit: false };
  }

  #capture(text: string): void {
    if (this.#captured.length < CAPTURE_LIMIT)
      this.#captured += text.slice(0, CAPTURE_LIMIT - this.#captured.length);
  }
}

/** What the sink received, against the Message-IDs expected: each must have come exactly once. */
export interface SinkCheck {
  ok: boolean;
  missing: number;
  duplicated: number;
  unexpected: number;
  /** A line for the report when not ok. */
  problem?: string;
}

export function checkExactlyOnce(ids: ReadonlyMap<string, number>, expected: readonly string[]): SinkCheck {
  const wanted = new Set(expected);
  let missing = 0;
  let duplicated = 0;
  let unexpected = 0;
  for (const id of wanted) {
    const n = ids.get(id) ?? 0;
    if (n === 0) missing++;
    else if (n > 1) duplicated++;
  }
  for (const [id, n] of ids) if (!wanted.has(id)) unexpected += n;
  const ok = missing === 0 && duplicated === 0 && unexpected === 0;
  return ok
    ? { ok, missing, duplicated, unexpected }
    : {
        ok,
        missing,
        duplicated,
        unexpected,
        problem: `the sink got ${missing} messages never, ${duplicated} more than once, and ${unexpected} it was not sent`,
      };
}

/** Starts the sink on 127.0.0.1, a free port. */
export async function startSink(): Promise<Sink> {
  const state = {
    messages: 0,
    connections: 0,
    firstAt: undefined as number | undefined,
    lastAt: undefined as number | undefined,
    ids: new Map<string, number>(),
  };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const session = new SinkSession();
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      const { replies, ended, quit } = session.push(chunk);
      if (ended.length > 0) {
        const now = Date.now();
        state.firstAt ??= now;
        state.lastAt = now;
        state.messages += ended.length;
        for (const id of ended) state.ids.set(id, (state.ids.get(id) ?? 0) + 1);
      }
      if (quit) socket.end(replies);
      else if (replies) socket.write(replies);
    });
    socket.write('220 sink.bench.invalid ESMTP\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get messages() {
      return state.messages;
    },
    get connections() {
      return state.connections;
    },
    get firstAt() {
      return state.firstAt;
    },
    get lastAt() {
      return state.lastAt;
    },
    get ids() {
      return state.ids;
    },
    reset() {
      state.messages = 0;
      state.connections = 0;
      state.firstAt = undefined;
      state.lastAt = undefined;
      state.ids = new Map();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
