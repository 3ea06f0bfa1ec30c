/**
 * Messages' states — UID, flags, keywords, MODSEQ, size and INTERNALDATE: what FETCH needs of a
 * message when it needs neither its structure nor its bytes — as columns in UID order, about 30
 * octets a message, read by index without an object per message.
 */

/** One message's state (a stored message record has these and more). */
export interface StateRow {
  uid: number;
  flags: number;
  keywords: readonly string[];
  modseq: number;
  size: number;
  /** Milliseconds since the epoch (IMAP INTERNALDATE). */
  internalDate: number;
}

const NO_KEYWORDS: readonly string[] = [];

export class MessageStates {
  readonly uids: Uint32Array;
  readonly flags: Uint16Array;
  readonly modseqs: Float64Array;
  readonly sizes: Float64Array;
  readonly dates: Float64Array;
  /** Keywords of the messages that have any, by UID. */
  readonly #keywords: Map<number, readonly string[]>;

  /** From rows in ascending UID order. */
  static of(rows: readonly StateRow[]): MessageStates {
    const n = rows.length;
    const states = new MessageStates(
      new Uint32Array(n),
      new Uint16Array(n),
      new Float64Array(n),
      new Float64Array(n),
      new Float64Array(n),
      new Map(),
    );
    for (let i = 0; i < n; i++) states.set(i, rows[i]!);
    return states;
  }

  /**
   * From columns already in UID order (ascending), and the keywords of the messages that have any,
   * by UID. The columns are taken, not copied.
   */
  static fromColumns(columns: {
    uids: Uint32Array;
    flags: Uint16Array;
    modseqs: Float64Array;
    sizes: Float64Array;
    dates: Float64Array;
    keywords: Map<number, readonly string[]>;
  }): MessageStates {
    const { uids, flags, modseqs, sizes, dates, keywords } = columns;
    const n = uids.length;
    if (flags.length !== n || modseqs.length !== n || sizes.length !== n || dates.length !== n)
      throw new Error('message state columns of different lengths');
    return new MessageStates(uids, flags, modseqs, sizes, dates, keywords);
  }

  private constructor(
    uids: Uint32Array,
    flags: Uint16Array,
    modseqs: Float64Array,
    sizes: Float64Array,
    dates: Float64Array,
    keywords: Map<number, readonly string[]>,
  ) {
    this.uids = uids;
    this.flags = flags;
    this.modseqs = modseqs;
    this.sizes = sizes;
    this.dates = dates;
    this.#keywords = keywords;
  }

  get length(): number {
    return this.uids.length;
  }

  keywords(i: number): readonly string[] {
    return this.#keywords.size === 0 ? NO_KEYWORDS : (this.#keywords.get(this.uids[i]!) ?? NO_KEYWORDS);
  }

  /** Overwrites message `i` (same UID) with `row`. */
  set(i: number, row: StateRow): void {
    this.uids[i] = row.uid;
    this.flags[i] = row.flags;
    this.modseqs[i] = row.modseq;
    this.sizes[i] = row.size;
    this.dates[i] = row.internalDate;
    if (row.keywords.length > 0) this.#keywords.set(row.uid, row.keywords);
    else this.#keywords.delete(row.uid);
  }

  /** The index of the first UID ≥ `uid` (`length` when none). */
  lowerBound(uid: number): number {
    let lo = 0;
    let hi = this.uids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.uids[mid]! < uid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Message `i` as a row. */
  row(i: number): StateRow {
    return {
      uid: this.uids[i]!,
      flags: this.flags[i]!,
      keywords: [...this.keywords(i)],
      modseq: this.modseqs[i]!,
      size: this.sizes[i]!,
      internalDate: this.dates[i]!,
    };
  }

  /**
   * The states of `uids` (ascending) that are here: a view sharing these columns when they are
   * one stretch of them (a range, as FETCH 1:* asks; valid until the next change), else a copy.
   */
  pick(uids: readonly number[]): MessageStates {
    if (uids.length === 0) return MessageStates.of([]);
    const lo = this.lowerBound(uids[0]!);
    const hi = lo + uids.length;
    if (hi <= this.length && this.uids[lo] === uids[0] && this.uids[hi - 1] === uids[uids.length - 1]) {
      // Both ascending without repeats: same ends and same count means the same UIDs.
      return new MessageStates(
        this.uids.subarray(lo, hi),
        this.flags.subarray(lo, hi),
        this.modseqs.subarray(lo, hi),
        this.sizes.subarray(lo, hi),
        this.dates.subarray(lo, hi),
        this.#keywords,
      );
    }
    const rows: StateRow[] = [];
    let i = lo;
    for (const uid of uids) {
      while (i < this.length && this.uids[i]! < uid) i++;
      if (i < this.length && this.uids[i] === uid) rows.push(this.row(i));
    }
    return MessageStates.of(rows);
  }

  /**
   * These states with what storage now says of `checked` (ascending UIDs) applied: rows present
   * are updated or added, UIDs without a row are gone. Updates happen in place; when messages
   * came or went, new columns are returned.
   */
  merged(checked: readonly number[], rows: readonly StateRow[]): MessageStates {
    const byUid = new Map(rows.map((row) => [row.uid, row]));
    let reshaped = false;
    for (const uid of checked) {
      const i = this.lowerBound(uid);
      const here = i < this.length && this.uids[i] === uid;
      const row = byUid.get(uid);
      if (row && here) this.set(i, row);
      else if (row || here) reshaped = true;
    }
    if (!reshaped) return this;
    // Rebuilt in UID order: rare (new or removed messages), and linear.
    const gone = new Set(checked);
    const kept: StateRow[] = [];
    for (let i = 0; i < this.length; i++) if (!gone.has(this.uids[i]!)) kept.push(this.row(i));
    return MessageStates.of([...kept, ...rows].sort((a, b) => a.uid - b.uid));
  }
}
