/**
 * A growable first-in first-out buffer of received octets, for the framer: appending copies
 * into one contiguous buffer whose capacity doubles, so that feeding input one octet at a time
 * costs linear time, and a line can be searched without concatenating chunks.
 */

/** See the module comment. */
export class ByteQueue {
  #buf: Buffer = Buffer.alloc(0);
  #start = 0;
  #end = 0;

  /** Octets queued. */
  get length(): number {
    return this.#end - this.#start;
  }

  /** Appends a copy of `chunk`. */
  push(chunk: Uint8Array): void {
    const n = chunk.length;
    if (this.#end + n > this.#buf.length) {
      const used = this.#end - this.#start;
      let cap = Math.max(this.#buf.length, 4096);
      while (cap < used + n) cap *= 2;
      if (cap === this.#buf.length) {
        this.#buf.copy(this.#buf, 0, this.#start, this.#end);
      } else {
        const next = Buffer.allocUnsafe(cap);
        this.#buf.copy(next, 0, this.#start, this.#end);
        this.#buf = next;
      }
      this.#start = 0;
      this.#end = used;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += n;
  }

  /** The queued octets, without copying: valid until the next `push` or `consume`. */
  view(): Buffer {
    return this.#buf.subarray(this.#start, this.#end);
  }

  /** Copies the first `n` queued octets into `target` at `offset` (then `consume` them). */
  copyTo(target: Buffer, offset: number, n: number): void {
    this.#buf.copy(target, offset, this.#start, this.#start + n);
  }

  /** Drops the first `n` octets; an emptied large buffer is released. */
  consume(n: number): void {
    this.#start += n;
    if (this.#start === this.#end) {
      this.#start = 0;
      this.#end = 0;
      if (this.#buf.length > 64 * 1024) this.#buf = Buffer.alloc(0);
    }
  }
}
