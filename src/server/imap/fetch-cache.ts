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

/** What an entry costs besides its text and key: the map's and the queue's bookkeeping. */
const ENTRY_OVERHEAD = 64;

/** Any regular expression test flattens a string built by concatenation (V8 keeps it as a rope). */
const FLATTEN = /\x00/;

/**
 * A map of encodings with a character budget; when it is exceeded the oldest entries go first
 * (insertion order: a mailbox read again from the start finds its oldest messages evicted first,
 * as an LRU would, without reordering anything on a hit).
 */
export class FetchCache {
  readonly #budget: number;
  readonly #entries = new Map<string, string>();
  /** Keys in insertion order from `#head` on (a queue; entries replaced in place keep their slot). */
  #order: string[] = [];
  #head = 0;
  #size = 0;

  constructor(budget = FETCH_CACHE_BUDGET) {
    this.#budget = budget;
  }

  /** The number of entries (for tests). */
  get entries(): number {
    return this.#entries.size;
  }

  get(key: string): string | undefined {
    return this.#entries.get(key);
  }

  set(key: string, text: string): void {
    const cost = text.length + key.length + ENTRY_OVERHEAD;
    if (cost > this.#budget) return;
    FLATTEN.test(text); // kept flat: a rope of its pieces would take several times the memory
    const old = this.#entries.get(key);
    this.#entries.set(key, text);
    if (old !== undefined) {
      this.#size += text.length - old.length;
    } else {
      this.#order.push(key);
      this.#size += cost;
    }
    while (this.#size > this.#budget && this.#head < this.#order.length) {
      const oldest = this.#order[this.#head++]!;
      const value = this.#entries.get(oldest)!;
      this.#entries.delete(oldest);
      this.#size -= value.length + oldest.length + ENTRY_OVERHEAD;
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
 * The key of an item's encoding: the blob, the item (ENVELOPE, BODY or BODYSTRUCTURE) and the
 * options that change its bytes (IMAP4rev2 `message/global` parts, quoting of UTF-8 text).
 */
export function fetchCacheKey(blobId: string, item: string, rev2: boolean, utf8: boolean): string {
  return `${blobId} ${ITEM_CODES[item] ?? item}${rev2 ? 1 : 0}${utf8 ? 1 : 0}`;
}
