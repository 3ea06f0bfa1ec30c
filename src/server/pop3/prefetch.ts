/**
 * Read-ahead for RETR: clients that download a maildrop ask for message after message, often
 * pipelined. When a small message is asked for and not yet read, it is read together with the
 * next small messages in one storage round trip; each body is handed out once, then forgotten.
 */
import type { Maildrop } from './maildrop.ts';
import type { Pop3Message, Pop3Services } from './services.ts';

/** Messages read ahead at once. */
const WINDOW = 32;
/** Only messages up to this size are read ahead (bounds the memory held: WINDOW × this). */
const MAX_SIZE = 64 * 1024;

export class BodyPrefetch {
  readonly #services: Pick<Pop3Services, 'readMany'>;
  #ready = new Map<string, Buffer>();

  constructor(services: Pick<Pop3Services, 'readMany'>) {
    this.#services = services;
  }

  /** The whole body of message `n` when it is small (reading ahead as needed), else undefined. */
  async take(maildrop: Maildrop, n: number, message: Pop3Message): Promise<Buffer | undefined> {
    if (message.size > MAX_SIZE) return undefined;
    let body = this.#ready.get(message.blobId);
    if (!body) {
      const batch: Pop3Message[] = [message];
      for (let next = n + 1; batch.length < WINDOW; next++) {
        const found = maildrop.lookup(next);
        if (!found.ok) {
          if (found.reason === 'no-such-message') break;
          continue;
        }
        if (found.message.size <= MAX_SIZE && !this.#ready.has(found.message.blobId))
          batch.push(found.message);
      }
      this.#ready = await this.#services.readMany(batch);
      body = this.#ready.get(message.blobId);
    }
    this.#ready.delete(message.blobId);
    return body;
  }
}
