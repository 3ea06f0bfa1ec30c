/**
 * Read-ahead for RETR: clients that download a maildrop ask for message after message, often
 * pipelined. When a small message is asked for and not yet read, it is read together with the
 * next small messages in one storage round trip; each body is handed out once, then forgotten.
 * Once a client goes on to the next window, the window after it is asked for at once, so that
 * a store with a network round trip (PostgreSQL) reads it while this one is sent.
 */
import type { Maildrop } from './maildrop.ts';
import type { Pop3Message, Pop3Services } from './services.ts';

/** Messages read ahead at once. */
const WINDOW = 32;
/** Only messages up to this size are read ahead (bounds the memory held: 2 × WINDOW × this). */
const MAX_SIZE = 64 * 1024;

interface Window {
  messages: Pop3Message[];
  /** The message number after the window's last one. */
  next: number;
}

export class BodyPrefetch {
  readonly #services: Pick<Pop3Services, 'readMany'>;
  #ready = new Map<string, Buffer>();
  /** The message number after the window in `#ready`. */
  #readyNext = 0;
  /** The next window, being read. */
  #ahead: { next: number; bodies: Promise<Map<string, Buffer>> } | undefined;

  constructor(services: Pick<Pop3Services, 'readMany'>) {
    this.#services = services;
  }

  /** The whole body of message `n` when it is small (reading ahead as needed), else undefined. */
  async take(maildrop: Maildrop, n: number, message: Pop3Message): Promise<Buffer | undefined> {
    if (message.size > MAX_SIZE) return undefined;
    let body = this.#ready.get(message.blobId);
    if (!body && this.#ahead) {
      const ahead = this.#ahead;
      this.#ahead = undefined;
      // A read-ahead that failed is no error: the window is read again below.
      this.#ready = await ahead.bodies.catch(() => new Map<string, Buffer>());
      this.#readyNext = ahead.next;
      body = this.#ready.get(message.blobId);
      if (body) this.#readAhead(maildrop, ahead.next);
    }
    if (!body) {
      const sequential = n === this.#readyNext;
      const window = this.#window(maildrop, n, message);
      this.#ready = await this.#services.readMany(window.messages);
      this.#readyNext = window.next;
      body = this.#ready.get(message.blobId);
      // A client that went on to the next window downloads the maildrop: read the one after.
      if (sequential) this.#readAhead(maildrop, window.next);
    }
    this.#ready.delete(message.blobId);
    return body;
  }

  /** The small messages not read yet from `from` on (with `first`, message `from` itself), up to WINDOW. */
  #window(maildrop: Maildrop, from: number, first?: Pop3Message): Window {
    const messages: Pop3Message[] = first ? [first] : [];
    let next = first ? from + 1 : from;
    for (; messages.length < WINDOW; next++) {
      const found = maildrop.lookup(next);
      if (!found.ok) {
        if (found.reason === 'no-such-message') break;
        continue;
      }
      if (found.message.size <= MAX_SIZE && !this.#ready.has(found.message.blobId))
        messages.push(found.message);
    }
    return { messages, next };
  }

  #readAhead(maildrop: Maildrop, from: number): void {
    const window = this.#window(maildrop, from);
    if (window.messages.length === 0) return;
    const bodies = this.#services.readMany(window.messages);
    bodies.catch(() => {}); // awaited, or dropped, by a later take
    this.#ahead = { next: window.next, bodies };
  }
}
