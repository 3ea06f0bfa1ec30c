/**
 * Encoded ENVELOPE, BODY and BODYSTRUCTURE values (RFC 9051 §7.5.2) of recently fetched messages,
 * shared by every IMAP session of the process. These values depend only on the message's bytes
 * (a blob never changes) and on how the client reads responses (IMAP4rev2, UTF-8), so a message's
 * encoding is computed once and then reused: a client that re-reads the envelopes and structures
 * of a large mailbox costs neither a structure read nor a decoding nor an encoding per message.
 * This is the role Dovecot's `dovecot.index.cache` plays for `imap.envelope` and
 * `imap.bodystructure`, kept here in memory within a fixed budget.
 */

/**
 * Characters the cache may hold, keys and bookkeeping included (about as many octets: the
 * encodings are mostly 7-bit text): the envelopes and structures of some 100,000 messages.
 */
export const FETCH_CACHE_BUDGET = 96 * 1024 * 1024;

/** What a blob's entry costs besides its id and texts: the map's, the object's and the queue's. */
const ENTRY_OVERHEAD = 96;

/** Any regular expression test flattens a string built by concatenation (V8 keeps it as a rope). */
const FLATTEN = /\x00/;

/**
 * The encodings of one blob's items, by variant ({@link fetchCacheVariant}): an object with a few
 * constant keys, read without building a key string per message.
 */
type BlobEncodings = Record<string, string>;

/**
 * Encodings by blob and variant, within a character budget; when it is exceeded the blobs cached
 * first go first (insertion order: a mailbox read again from the start finds its oldest messages
 * evicted first, as an LRU would, without reordering anything on a hit).
 */
export class FetchCache {
  readonly #budget: number;
  readonly #blobs = new Map<string, BlobEncodings>();
  /** Blob ids in insertion order from `#head` on (a queue). */
  #order: string[] = [];
  #head = 0;
  #size = 0;

  constructor(budget = FETCH_CACHE_BUDGET) {
    this.#budget = budget;
  }

  /** The number of blobs with encodings (for tests). */
  get entries(): number {
    return this.#blobs.size;
  }

  /** The encodings cached for a blob (read them with `[variant]`), if any. */
  blob(blobId: string): Readonly<BlobEncodings> | undefined {
    return this.#blobs.get(blobId);
  }

  get(blobId: string, variant: string): string | undefined {
    return this.#blobs.get(blobId)?.[variant];
  }

  set(blobId: string, variant: string, text: string): void {
    if (text.length + blobId.length + ENTRY_OVERHEAD > this.#budget) return;
    FLATTEN.test(text); // kept flat: a rope of its pieces would take several times the memory
    let entry = this.#blobs.get(blobId);
    if (entry === undefined) {
      entry = {};
      this.#blobs.set(blobId, entry);
      this.#order.push(blobId);
      this.#size += blobId.length + ENTRY_OVERHEAD;
    }
    this.#size += text.length - (entry[variant]?.length ?? 0);
    entry[variant] = text;
    while (this.#size > this.#budget && this.#head < this.#order.length) {
      const oldest = this.#order[this.#head++]!;
      const old = this.#blobs.get(oldest)!;
      this.#blobs.delete(oldest);
      this.#size -= oldest.length + ENTRY_OVERHEAD;
      for (const value of Object.values(old)) this.#size -= value.length;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
  }
}

/** The process-wide cache used by FETCH. */
export const fetchCache = new FetchCache();

const ITEM_CODES: Readonly<Record<string, string>> = { ENVELOPE: 'E', BODY: 'B', BODYSTRUCTURE: 'S' };

/**
 * The variant of an item's encoding: the item (ENVELOPE, BODY or BODYSTRUCTURE) and the options
 * that change its bytes (IMAP4rev2 `message/global` parts, quoting of UTF-8 text).
 */
export function fetchCacheVariant(item: string, rev2: boolean, utf8: boolean): string {
  return `${ITEM_CODES[item] ?? item}${rev2 ? 1 : 0}${utf8 ? 1 : 0}`;
}
