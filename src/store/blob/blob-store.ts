/**
 * The blob store interface: immutable message bodies, written durably before any index row
 * refers to them.
 */

/** A stored blob: its id (opaque, stable) and its size in octets. */
export interface BlobRef {
  id: string;
  size: number;
  /**
   * The content itself, for a small body kept inline in the index database: it becomes durable
   * with the transaction that commits the message (see `src/store/bodies.ts`).
   */
  inline?: Buffer | undefined;
  /**
   * The inline content is the store's to keep: its memory may be handed to the writer (moved to
   * the SQLite commit worker without a copy), leaving the caller's buffer empty afterwards.
   */
  movable?: boolean;
}

export interface PutOptions {
  /**
   * The caller gives the chunks away (it reads them no more once the blob is committed), so an
   * inline body need not be copied on its way to storage (see {@link BlobRef.movable}).
   */
  handOver?: boolean;
}

export interface BlobStore {
  /**
   * Writes `chunks` as one new immutable blob and makes it durable (file and directory fsynced)
   * before resolving. Raises LoftError NOSPACE when the disk is full, TEMP on other I/O errors;
   * nothing is left behind on failure.
   */
  put(chunks: readonly Buffer[], options?: PutOptions): Promise<BlobRef>;
  /** Reads a whole blob, or the byte range [start, end). NOTFOUND if absent. */
  read(id: string, start?: number, end?: number): Promise<Buffer>;
  /** Reads many whole blobs; all must exist (NOTFOUND otherwise). */
  readMany(ids: readonly string[]): Promise<Map<string, Buffer>>;
  /** Removes a blob; absent blobs are ignored. */
  remove(id: string): Promise<void>;
  /** Every blob present with when it was written (ms since the epoch, to the minute), for the orphan sweeper. */
  list(): AsyncIterable<{ id: string; createdAt: number }>;
}
