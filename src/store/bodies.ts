/**
 * Message bodies: small ones inline in the index database, larger ones as files.
 *
 * A body up to `inlineLimit` octets travels with its index rows and becomes durable with the
 * same transaction (one WAL fsync for a whole group commit). Larger bodies are files of the
 * {@link FileBlobStore}, fsynced before their rows commit. SQLite's own measurements ("Internal
 * versus External BLOBs", sqlite.org) put the crossover near 100 KB; on this project's SMTP
 * benchmark the file per message (open, write, fsync, close, directory fsync) cost about 40% of
 * the time per 5 KB message. Readers never need to know where a body lives.
 */
import { LoftError } from '../core/errors.ts';
import type { BlobRef, BlobStore, PutOptions } from './blob/blob-store.ts';
import type { FileBlobStore } from './blob/file-blob-store.ts';
import type { Store } from './store.ts';

/** The default largest inline body, in octets. */
export const DEFAULT_INLINE_LIMIT = 128 * 1024;

export class MessageBodies implements BlobStore {
  readonly #store: Store;
  readonly #files: FileBlobStore;
  readonly #inlineLimit: number;

  constructor(store: Store, files: FileBlobStore, inlineLimit = DEFAULT_INLINE_LIMIT) {
    this.#store = store;
    this.#files = files;
    this.#inlineLimit = inlineLimit;
  }

  /**
   * A small body is returned with its content (`inline`) and is stored by the commit that
   * references it; a large one is written to a file and fsynced first.
   */
  async put(chunks: readonly Buffer[], options: PutOptions = {}): Promise<BlobRef> {
    let size = 0;
    for (const chunk of chunks) size += chunk.length;
    if (size > this.#inlineLimit) return this.#files.put(chunks);
    if (chunks.length === 1) {
      return { id: this.#files.newId(), size, inline: chunks[0]!, movable: options.handOver === true };
    }
    return { id: this.#files.newId(), size, inline: Buffer.concat(chunks), movable: true };
  }

  async read(id: string, start?: number, end?: number): Promise<Buffer> {
    const inline = await this.#store.readInlineBody(id, start, end);
    if (inline) return inline;
    try {
      return await this.#files.read(id, start, end);
    } catch (err) {
      if (err instanceof LoftError && err.code === 'NOTFOUND')
        throw new LoftError('NOTFOUND', `message body ${id} is missing`);
      throw err;
    }
  }

  /**
   * Reads many whole bodies at once (one query for the inline ones): for clients that fetch
   * message after message, such as POP3 RETR in a pipeline.
   */
  async readMany(ids: readonly string[]): Promise<Map<string, Buffer>> {
    const found = await this.#store.readInlineBodies(ids);
    for (const id of ids) if (!found.has(id)) found.set(id, await this.read(id));
    return found;
  }

  /** Removes a body's file, if it has one (inline bodies go with their rows). */
  remove(id: string): Promise<void> {
    return this.#files.remove(id);
  }

  list(): AsyncIterable<{ id: string; createdAt: number }> {
    return this.#files.list();
  }
}
