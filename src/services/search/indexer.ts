/**
 * The search indexer: works off the full-text backlog (`Store.searchBacklog`) in the
 * background. Deliveries only record that a blob needs indexing; the text is extracted and
 * written here once the server is quiet, so a burst of mail is acknowledged at full speed and
 * indexed right after it. Under unbroken load it still indexes one slice every `maxDelayMs`.
 * Until a message is indexed, search reads it instead (`Store.searchCandidates` never leaves an
 * unindexed message out), so results never depend on how far the indexer has got.
 */
import type { MailboxEvents } from '../../core/events.ts';
import { decodeStructure } from '../../mime/index.ts';
import type { BlobStore } from '../../store/blob/blob-store.ts';
import type { SearchBacklogItem, SearchText, Store } from '../../store/store.ts';
import { searchTextOf } from './search-text.ts';

export interface SearchIndexerOptions {
  /** How long no new message must have arrived before indexing starts (default 50 ms). */
  quietMs?: number;
  /** Longest wait for a slice under unbroken load (default 2 s). */
  maxDelayMs?: number;
  /** Messages per slice (default 32): one read of the backlog, one index transaction. */
  sliceSize?: number;
}

export class SearchIndexer {
  readonly #store: Store;
  readonly #blobs: BlobStore;
  readonly #events: MailboxEvents;
  readonly #quietMs: number;
  readonly #maxDelayMs: number;
  readonly #sliceSize: number;
  #onError: (err: unknown) => void = () => {};
  #unsubscribe: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #lastArrival = 0;
  #lastSlice = 0;
  #stopped = false;

  constructor(
    deps: { store: Store; blobs: BlobStore; events: MailboxEvents },
    options: SearchIndexerOptions = {},
  ) {
    this.#store = deps.store;
    this.#blobs = deps.blobs;
    this.#events = deps.events;
    this.#quietMs = options.quietMs ?? 50;
    this.#maxDelayMs = options.maxDelayMs ?? 2000;
    this.#sliceSize = options.sliceSize ?? 32;
  }

  /**
   * Starts watching for new messages, and works off what was left from before a restart.
   * `onError` hears of a failed slice (its items stay in the backlog and are retried later).
   */
  start(onError: (err: unknown) => void = () => {}): void {
    this.#onError = onError;
    this.#stopped = false;
    this.#lastSlice = Date.now();
    this.#unsubscribe ??= this.#events.subscribeAll((change) => {
      if (change.kind !== 'append') return;
      this.#lastArrival = Date.now();
      this.#schedule(this.#wait());
    });
    this.#schedule(0);
  }

  /** Indexes everything in the backlog now (for tests and shutdown paths that want it). */
  async flush(): Promise<void> {
    for (;;) {
      await this.#running;
      if ((await this.#slice()) === 0) return;
    }
  }

  /** Stops indexing after the slice under way; the backlog stays for the next start. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
  }

  #schedule(delay: number): void {
    if (this.#stopped || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#tick();
    }, delay);
    this.#timer.unref();
  }

  /** Milliseconds until a slice may run: the server quiet for `quietMs`, or a slice overdue. */
  #wait(): number {
    const now = Date.now();
    const untilQuiet = this.#lastArrival + this.#quietMs - now;
    const untilOverdue = this.#lastSlice + this.#maxDelayMs - now;
    return Math.max(0, Math.min(untilQuiet, untilOverdue));
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    if (this.#running) {
      // A flush is under way: look again once it is done.
      void this.#running.catch(() => {}).then(() => this.#schedule(this.#wait()));
      return;
    }
    const wait = this.#wait();
    if (wait > 0) {
      this.#schedule(wait);
      return;
    }
    let indexed = 0;
    try {
      indexed = await this.#slice();
    } catch (err) {
      this.#onError(err);
      this.#lastSlice = Date.now();
      this.#schedule(this.#maxDelayMs);
      return;
    }
    if (indexed > 0) this.#schedule(0);
  }

  /** Indexes one slice of the backlog; resolves with how many blobs it took off. */
  #slice(): Promise<number> {
    const run = (async () => {
      const items = await this.#store.searchBacklog(this.#sliceSize);
      if (items.length === 0) return 0;
      const bodies = await this.#read(items);
      const texts = items.map(({ blobId, structure }) => ({
        blobId,
        text: textOf(bodies.get(blobId), structure),
      }));
      await this.#store.indexSearchText(texts);
      return items.length;
    })();
    const tracked = run.finally(() => {
      if (this.#running === tracked) this.#running = undefined;
      this.#lastSlice = Date.now();
    });
    this.#running = tracked;
    return tracked;
  }

  /** The bodies of `items`; one that cannot be read is absent. */
  async #read(items: readonly SearchBacklogItem[]): Promise<Map<string, Buffer>> {
    const ids = items.map((item) => item.blobId);
    try {
      return await this.#blobs.readMany(ids);
    } catch {
      const found = new Map<string, Buffer>();
      for (const id of ids) {
        const body = await this.#blobs.read(id).catch(() => undefined);
        if (body) found.set(id, body);
      }
      return found;
    }
  }
}

/** The text to index, or null when the body is gone or its structure unreadable. */
function textOf(raw: Buffer | undefined, structure: string): SearchText | null {
  if (!raw) return null;
  try {
    const decoded = decodeStructure(structure);
    return decoded ? searchTextOf(raw, decoded) : null;
  } catch {
    return null;
  }
}
