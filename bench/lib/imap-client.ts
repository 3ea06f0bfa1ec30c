/**
 * A minimal IMAP client over one raw socket, for the benchmark: one command at a time, each
 * untagged response handed to the caller as it is read (nothing is parsed beyond what
 * {@link ResponseReader} does, so the client's own work stays small next to the server's), and
 * counted by name. LOGIN, AUTHENTICATE SCRAM-SHA-256 (RFC 7677; Loft's plaintext logins check a
 * memory-hard hash, too slow for 10,000 logins) and IDLE (RFC 2177).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import net from 'node:net';
import { type ImapResponse, ResponseCounter, ResponseReader, responseKind } from './imap-responses.ts';

/** The end of a command: its tagged status, text, untagged responses counted, and its time. */
export interface CommandResult {
  status: string;
  text: string;
  counts: ResponseCounter;
  /** From writing the command to reading its tagged response, in ms. */
  ms: number;
}

interface Waiter {
  tag: string;
  counts: ResponseCounter;
  started: bigint;
  onUntagged: ((response: ImapResponse) => void) | undefined;
  onContinuation: ((text: string) => string | undefined) | undefined;
  resolve: (result: CommandResult) => void;
  reject: (err: Error) => void;
}

/** Quotes a string as an IMAP quoted string (RFC 9051 §4.3). */
export function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** SCRAM SaltedPassword by (password, salt, iterations): a benchmark client logs in thousands of times. */
const saltedCache = new Map<string, Buffer>();

/** One IMAP connection. */
export class ImapClient {
  readonly #socket: net.Socket;
  readonly #reader: ResponseReader;
  #next = 1;
  #waiter: Waiter | undefined;
  #greeting: ((text: string) => void) | undefined;
  #error: Error | undefined;
  #closed = false;
  /** Continuation requests not claimed by a command (IDLE's "+ idling"). */
  #onContinuation: ((text: string) => void) | undefined;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    this.#reader = new ResponseReader((response) => this.#dispatch(response));
    socket.on('data', (chunk: Buffer) => this.#reader.push(chunk));
    socket.on('error', (err) => this.#fail(err));
    socket.on('close', () => {
      this.#closed = true;
      this.#fail(new Error('connection closed by the server'));
    });
  }

  /** Connects to 127.0.0.1:`port` and waits for the greeting (`* OK`); rejects on anything else. */
  static connect(port: number, timeoutMs = 30_000): Promise<ImapClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.setNoDelay(true);
      const client = new ImapClient(socket);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no IMAP greeting within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      client.#greeting = (text) => {
        clearTimeout(timer);
        if (/^\* (OK|PREAUTH)\b/i.test(text)) resolve(client);
        else {
          socket.destroy();
          reject(new Error(`greeting: ${text}`));
        }
      };
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** Octets received on this connection so far. */
  get octets(): number {
    return this.#reader.octets;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends `command` (without tag and CRLF) and resolves at its tagged response. `onUntagged` sees
   * every untagged response meanwhile; `onContinuation` answers a continuation request (the line
   * to send) for commands such as AUTHENTICATE.
   */
  command(
    command: string,
    options: {
      onUntagged?: (response: ImapResponse) => void;
      onContinuation?: (text: string) => string | undefined;
    } = {},
  ): Promise<CommandResult> {
    if (this.#error) return Promise.reject(this.#error);
    if (this.#waiter) return Promise.reject(new Error('a command is already under way'));
    const tag = `A${this.#next++}`;
    return new Promise((resolve, reject) => {
      this.#waiter = {
        tag,
        counts: new ResponseCounter(),
        started: process.hrtime.bigint(),
        onUntagged: options.onUntagged,
        onContinuation: options.onContinuation,
        resolve,
        reject,
      };
      this.#socket.write(`${tag} ${command}\r\n`);
    });
  }

  /** LOGIN (RFC 9051 §6.2.3); rejects unless OK. */
  async login(user: string, password: string): Promise<CommandResult> {
    return ok(await this.command(`LOGIN ${quoted(user)} ${quoted(password)}`), 'LOGIN');
  }

  /**
   * AUTHENTICATE SCRAM-SHA-256 (RFC 7677, RFC 5802 §3) with an initial response; rejects unless
   * OK. The salted password is cached per salt, as a client that logs in often may.
   */
  async authenticateScram(user: string, password: string): Promise<CommandResult> {
    const nonce = randomBytes(18).toString('base64');
    const clientFirstBare = `n=${user.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${nonce}`;
    let expectedServerSignature = '';
    let step = 0;
    const result = await this.command(
      `AUTHENTICATE SCRAM-SHA-256 ${Buffer.from(`n,,${clientFirstBare}`).toString('base64')}`,
      {
        onContinuation: (text) => {
          step += 1;
          const challenge = Buffer.from(text.slice(1).trim(), 'base64').toString('utf8');
          if (step === 2) {
            return challenge === `v=${expectedServerSignature}` ? '' : '*';
          }
          const fields = new Map(challenge.split(',').map((f) => [f.slice(0, 1), f.slice(2)]));
          const serverNonce = fields.get('r') ?? '';
          const salt = Buffer.from(fields.get('s') ?? '', 'base64');
          const iterations = Number(fields.get('i'));
          if (!serverNonce.startsWith(nonce) || !(iterations > 0)) return '*';
          const key = `${password}\0${salt.toString('base64')}\0${iterations}`;
          let salted = saltedCache.get(key);
          if (!salted) {
            salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
            saltedCache.set(key, salted);
          }
          const clientKey = createHmac('sha256', salted).update('Client Key').digest();
          const storedKey = createHash('sha256').update(clientKey).digest();
          const finalWithoutProof = `c=biws,r=${serverNonce}`;
          const authMessage = `${clientFirstBare},${challenge},${finalWithoutProof}`;
          const signature = createHmac('sha256', storedKey).update(authMessage).digest();
          const proof = Buffer.alloc(clientKey.length);
          for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ signature[i]!;
          const serverKey = createHmac('sha256', salted).update('Server Key').digest();
          expectedServerSignature = createHmac('sha256', serverKey).update(authMessage).digest('base64');
          return Buffer.from(`${finalWithoutProof},p=${proof.toString('base64')}`).toString('base64');
        },
      },
    );
    return ok(result, 'AUTHENTICATE SCRAM-SHA-256');
  }

  /**
   * Sends IDLE (RFC 2177) and resolves at the server's continuation request: the connection is
   * then idling, and `ending` resolves at IDLE's tagged response. Untagged responses meanwhile go to `onUntagged`; {@link done} ends it.
   */
  idle(onUntagged?: (response: ImapResponse) => void): Promise<{ ending: Promise<CommandResult> }> {
    return new Promise((resolve, reject) => {
      this.#onContinuation = () => {
        this.#onContinuation = undefined;
        resolve({ ending }); // wrapped: a promise resolved with a promise would wait for it
      };
      const ending = this.command('IDLE', { onUntagged });
      ending.catch(reject);
    });
  }

  /** Ends an IDLE (`DONE`). */
  done(): void {
    this.#socket.write('DONE\r\n');
  }

  /** LOGOUT, then closes the socket (whatever the answer). */
  async logout(): Promise<void> {
    try {
      await this.command('LOGOUT');
    } catch {
      // the server may close before or after its tagged OK
    }
    this.#socket.destroy();
  }

  /** Closes the socket without a word. */
  destroy(): void {
    this.#socket.destroy();
  }

  #dispatch(response: ImapResponse): void {
    if (this.#greeting) {
      const greeting = this.#greeting;
      this.#greeting = undefined;
      greeting(response.text);
      return;
    }
    const waiter = this.#waiter;
    const kind = responseKind(response.text);
    if (kind.type === 'untagged') {
      waiter?.counts.add(kind.name);
      waiter?.onUntagged?.(response);
    } else if (kind.type === 'continuation') {
      if (waiter?.onContinuation) {
        const answer = waiter.onContinuation(response.text);
        this.#socket.write(`${answer ?? '*'}\r\n`);
      } else this.#onContinuation?.(response.text);
    } else if (waiter && kind.tag === waiter.tag) {
      this.#waiter = undefined;
      const ms = Number(process.hrtime.bigint() - waiter.started) / 1e6;
      waiter.resolve({ status: kind.status, text: response.text, counts: waiter.counts, ms });
    }
  }

  #fail(err: Error): void {
    this.#error ??= err;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(err);
  }
}

/** The result when its status is OK; otherwise throws with the server's text. */
export function ok(result: CommandResult, what: string): CommandResult {
  if (result.status !== 'OK') throw new Error(`${what}: ${result.text}`);
  return result;
}
