/**
 * The UIDs of a selected mailbox by sequence number, kept as runs of consecutive UIDs. A mailbox
 * whose mail arrived in order and was rarely expunged from the middle is a handful of runs
 * whatever its size, so ten thousand sessions idling in a 100,000-message INBOX hold a few bytes
 * each instead of a 100,000-entry array each (sequence numbers, RFC 9051 §2.3.1.2).
 */
export class UidList {
  /** First UID of each run, ascending. */
  #starts: number[] = [];
  /** Length of each run. */
  #lengths: number[] = [];
  /** Messages before each run (its first sequence number - 1). */
  #before: number[] = [];
  #count = 0;

  /** From UIDs in ascending order. */
  constructor(uids: Iterable<number> = []) {
    this.push(uids);
  }

  get length(): number {
    return this.#count;
  }

  /** The highest UID, or undefined when empty. */
  get last(): number | undefined {
    const i = this.#starts.length - 1;
    return i < 0 ? undefined : this.#starts[i]! + this.#lengths[i]! - 1;
  }

  /** Appends UIDs above the last one, ascending. */
  push(uids: Iterable<number>): void {
    for (const uid of uids) {
      const i = this.#starts.length - 1;
      if (i >= 0 && this.#starts[i]! + this.#lengths[i]! === uid) this.#lengths[i]!++;
      else {
        this.#starts.push(uid);
        this.#lengths.push(1);
        this.#before.push(this.#count);
      }
      this.#count++;
    }
  }

  /** The UID at sequence number `seq` (1-based), or undefined. */
  uidOf(seq: number): number | undefined {
    if (!Number.isInteger(seq) || seq < 1 || seq > this.#count) return undefined;
    const i = this.#runOfSeq(seq);
    return this.#starts[i]! + (seq - 1 - this.#before[i]!);
  }

  /** The sequence number of `uid`, or undefined when it is not in the list. */
  seqOf(uid: number): number | undefined {
    const i = this.#runOfUid(uid);
    if (i < 0 || uid >= this.#starts[i]! + this.#lengths[i]!) return undefined;
    return this.#before[i]! + (uid - this.#starts[i]!) + 1;
  }

  /**
   * The sequence numbers of the UIDs in [from, to] that are in the list, as the first and last
   * (every one between is in it too), or undefined when there is none.
   */
  seqRange(from: number, to: number): [number, number] | undefined {
    const runs = this.#starts.length;
    if (runs === 0 || from > to) return undefined;
    // The first UID ≥ from.
    let i = this.#runOfUid(from);
    let first: number;
    if (i >= 0 && from < this.#starts[i]! + this.#lengths[i]!) first = from;
    else {
      i++;
      if (i >= runs) return undefined;
      first = this.#starts[i]!;
    }
    // The last UID ≤ to.
    const j = this.#runOfUid(to);
    if (j < 0) return undefined;
    const last = Math.min(to, this.#starts[j]! + this.#lengths[j]! - 1);
    if (last < first) return undefined;
    return [this.seqOf(first)!, this.seqOf(last)!];
  }

  /**
   * Writes the UIDs of sequence numbers `fromSeq` to `toSeq` (clamped to the list), in order, into
   * `out` from index `at`, walking the runs rather than searching each one; returns the index
   * after the last one written. `out` must have room.
   */
  copyUids(fromSeq: number, toSeq: number, out: Uint32Array, at: number): number {
    const first = Math.max(1, fromSeq);
    const last = Math.min(this.#count, toSeq);
    if (first > last) return at;
    let i = this.#runOfSeq(first);
    let seq = first;
    let n = at;
    while (seq <= last) {
      const start = this.#starts[i]!;
      const before = this.#before[i]!;
      const end = Math.min(last, before + this.#lengths[i]!);
      for (let uid = start + (seq - 1 - before); seq <= end; seq++, uid++) out[n++] = uid;
      i++;
    }
    return n;
  }

  /** Removes the message at sequence number `seq`; returns its UID. */
  removeAt(seq: number): number | undefined {
    const uid = this.uidOf(seq);
    if (uid !== undefined) this.remove([uid]);
    return uid;
  }

  /** Removes these UIDs (absent ones are ignored). */
  remove(uids: Iterable<number>): void {
    let changed = false;
    for (const uid of uids) {
      const i = this.#runOfUid(uid);
      if (i < 0) continue;
      const start = this.#starts[i]!;
      const length = this.#lengths[i]!;
      if (uid >= start + length) continue;
      changed = true;
      this.#count--;
      if (length === 1) {
        this.#starts.splice(i, 1);
        this.#lengths.splice(i, 1);
        this.#before.splice(i, 1);
      } else if (uid === start) {
        this.#starts[i] = start + 1;
        this.#lengths[i] = length - 1;
      } else if (uid === start + length - 1) {
        this.#lengths[i] = length - 1;
      } else {
        // Split the run around the removed UID.
        this.#lengths[i] = uid - start;
        this.#starts.splice(i + 1, 0, uid + 1);
        this.#lengths.splice(i + 1, 0, start + length - 1 - uid);
        this.#before.splice(i + 1, 0, 0);
      }
    }
    if (changed) this.#renumber();
  }

  /** Every UID, ascending (a new array: for whole-mailbox work such as SEARCH, not to keep). */
  toArray(): number[] {
    const out = new Array<number>(this.#count);
    let k = 0;
    for (let i = 0; i < this.#starts.length; i++) {
      const start = this.#starts[i]!;
      for (let j = 0; j < this.#lengths[i]!; j++) out[k++] = start + j;
    }
    return out;
  }

  *[Symbol.iterator](): IterableIterator<number> {
    for (let i = 0; i < this.#starts.length; i++) {
      const start = this.#starts[i]!;
      for (let j = 0; j < this.#lengths[i]!; j++) yield start + j;
    }
  }

  /** An independent copy (O(runs)). */
  clone(): UidList {
    const copy = new UidList();
    copy.#starts = [...this.#starts];
    copy.#lengths = [...this.#lengths];
    copy.#before = [...this.#before];
    copy.#count = this.#count;
    return copy;
  }

  /** Runs kept (for tests and memory accounting). */
  get runs(): number {
    return this.#starts.length;
  }

  #renumber(): void {
    let before = 0;
    for (let i = 0; i < this.#starts.length; i++) {
      this.#before[i] = before;
      before += this.#lengths[i]!;
    }
  }

  /** The run holding sequence number `seq` (1 ≤ seq ≤ count). */
  #runOfSeq(seq: number): number {
    let lo = 0;
    let hi = this.#before.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#before[mid]! < seq) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The last run starting at or below `uid`, or -1. */
  #runOfUid(uid: number): number {
    let lo = 0;
    let hi = this.#starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.#starts[mid]! <= uid) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}
