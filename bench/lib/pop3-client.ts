/**
 * A small POP3 client for the benchmark: one TCP connection, commands written as lines, replies
 * read by {@link ResponseReader} in order, so commands can be pipelined (RFC 2449 §6.6). It
 * speaks plaintext only (the benchmark logs in with USER/PASS on loopback).
 */
import net from 'node:net';
import {
  type Expect,
  type LinesResponse,
  type MessageResponse,
  Pop3ProtocolError,
  type Response,
  ResponseReader,
  type SingleResponse,
} from './pop3-responses.ts';

export interface Pop3ConnectOptions {
  port: number;
  host?: string;
  /** The connection is dropped when a reply is awaited and nothing arrives for this long. */
  timeoutMs: number;
}

interface Waiter {
  resolve: (r: Response) => void;
  reject: (e: Error) => void;
}

/** One POP3 connection; every method rejects once the connection has failed or closed. */
export class Pop3Client {
  readonly #socket: net.Socket;
  readonly #reader = new ResponseReader();
  readonly #waiters: Waiter[] = [];
  #outbox = '';
  #error: Error | undefined;
  /** The greeting's text (after "+OK "). */
  greeting = '';

  private constructor(socket: net.Socket, timeoutMs: number) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(timeoutMs, () => {
      if (this.#waiters.length === 0) return;
      this.#fail(new Error(`no reply within ${timeoutMs / 1000} s`));
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => this.#fail(err));
    socket.on('close', () => this.#fail(new Error('connection closed by the server')));
  }

  /** Connects and reads the greeting (RFC 1939 §4); rejects if it is not "+OK". */
  static async connect(options: Pop3ConnectOptions): Promise<Pop3Client> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: options.host ?? '127.0.0.1', port: options.port }, () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
    const client = new Pop3Client(socket, options.timeoutMs);
    const greeting = (await client.#await({ kind: 'single' })) as SingleResponse;
    if (!greeting.ok) {
      client.close();
      throw new Error(`greeting: -ERR ${greeting.text}`);
    }
    client.greeting = greeting.text;
    return client;
  }

  /** Sends a command whose reply is a status line. */
  single(line: string): Promise<SingleResponse> {
    return this.#command(line, { kind: 'single' }) as Promise<SingleResponse>;
  }

  /** Sends a command whose reply is a multi-line listing (CAPA, UIDL, LIST). */
  lines(line: string): Promise<LinesResponse> {
    return this.#command(line, { kind: 'lines' }) as Promise<LinesResponse>;
  }

  /** Sends RETR `n`. */
  retr(n: number): Promise<MessageResponse> {
    return this.#command(`RETR ${n}`, { kind: 'message' }) as Promise<MessageResponse>;
  }

  /**
   * RETR for each of `numbers`, keeping up to `depth` commands outstanding (1: one at a time).
   * Calls `each` as every reply arrives, in order; resolves when all have arrived, rejects when
   * the connection fails or `each` throws (no further RETR is sent then).
   */
  async retrieveAll(
    numbers: readonly number[],
    depth: number,
    each: (n: number, response: MessageResponse) => void,
  ): Promise<void> {
    let sent = 0;
    let received = 0;
    let stopped = false;
    await new Promise<void>((resolve, reject) => {
      const stop = (err: unknown): void => {
        stopped = true;
        reject(err);
      };
      const sendMore = (): void => {
        while (!stopped && sent < numbers.length && sent - received < depth) {
          const n = numbers[sent++]!;
          this.retr(n).then((response) => {
            if (stopped) return;
            received += 1;
            try {
              each(n, response);
            } catch (err) {
              stop(err);
              return;
            }
            if (received === numbers.length) resolve();
            else sendMore();
          }, stop);
        }
      };
      if (numbers.length === 0) resolve();
      else sendMore();
    });
  }

  /** Ends the connection without QUIT (the session then removes nothing: RFC 1939 §6). */
  close(): void {
    this.#socket.destroy();
  }

  #command(line: string, shape: Expect): Promise<Response> {
    if (this.#error) return Promise.reject(this.#error);
    // Lines written in the same tick go out in one write (one segment for a pipelined batch).
    if (this.#outbox === '') queueMicrotask(() => this.#flush());
    this.#outbox += `${line}\r\n`;
    return this.#await(shape);
  }

  #flush(): void {
    const text = this.#outbox;
    this.#outbox = '';
    if (text !== '' && !this.#error) this.#socket.write(text, 'latin1');
  }

  #await(shape: Expect): Promise<Response> {
    if (this.#error) return Promise.reject(this.#error);
    this.#reader.expect(shape);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #onData(chunk: Buffer): void {
    let responses: Response[];
    try {
      responses = this.#reader.push(chunk);
    } catch (err) {
      this.#fail(err instanceof Pop3ProtocolError ? err : new Error(String(err)));
      this.#socket.destroy();
      return;
    }
    for (const response of responses) this.#waiters.shift()?.resolve(response);
  }

  #fail(err: Error): void {
    this.#error ??= err;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#error);
  }
}
