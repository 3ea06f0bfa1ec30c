/**
 * Collects the octets of one literal as they arrive (RFC 9051 §4.3), in blocks of at most
 * {@link LITERAL_BLOCK} octets: memory grows with what the client actually sends, not with the
 * size it announced.
 */

import type { ByteQueue } from './byte-queue.ts';

/** The largest block a literal is collected in. */
export const LITERAL_BLOCK = 1024 * 1024;

/** See the module comment. */
export class LiteralReader {
  readonly sync: boolean;
  readonly binary: boolean;
  #remaining: number;
  readonly #blocks: Buffer[] = [];
  #block: Buffer | undefined;
  #filled = 0;

  constructor(size: number, sync: boolean, binary: boolean) {
    this.#remaining = size;
    this.sync = sync;
    this.binary = binary;
  }

  /** True until the first octet has been read. */
  get untouched(): boolean {
    return this.#filled === 0 && this.#blocks.length === 0;
  }

  /** Takes what it needs from `input`; true once the literal is complete. */
  read(input: ByteQueue): boolean {
    while (this.#remaining > 0) {
      const available = input.length;
      if (available === 0) return false;
      if (this.#block === undefined) {
        this.#block = Buffer.allocUnsafe(Math.min(this.#remaining, LITERAL_BLOCK));
        this.#filled = 0;
      }
      const n = Math.min(available, this.#block.length - this.#filled);
      input.copyTo(this.#block, this.#filled, n);
      input.consume(n);
      this.#filled += n;
      this.#remaining -= n;
      if (this.#filled === this.#block.length) {
        this.#blocks.push(this.#block);
        this.#block = undefined;
      }
    }
    return true;
  }

  /** The literal's octets, once {@link read} returned true. */
  data(): Buffer {
    return this.#blocks.length === 1 ? this.#blocks[0]! : Buffer.concat(this.#blocks);
  }
}
