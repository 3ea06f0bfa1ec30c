/**
 * The content of a transaction on the wire: dot-stuffed with the "." terminator after DATA
 * (RFC 5321 §4.5.2, the shared `DotStuffer`, which also writes every bare CR or LF as CRLF), or
 * cut into BDAT chunks (RFC 3030 §2), the last one held back so it can carry LAST. Pure.
 */
import { encodeBdat } from '../../proto/smtp/command-encode.ts';
import { DotStuffer } from '../../proto/smtp/dot-stuff.ts';

/** Encodes one message's content; `onChunk` is told of each BDAT command sent (one reply each). */
export class ContentEncoder {
  readonly #mode: 'data' | 'bdat';
  readonly #chunkSize: number;
  readonly #onChunk: (last: boolean) => void;
  readonly #stuffer = new DotStuffer();
  #held: Buffer | null = null;
  #ended = false;

  constructor(mode: 'data' | 'bdat', chunkSize: number, onChunk: (last: boolean) => void) {
    this.#mode = mode;
    this.#chunkSize = Math.max(1, chunkSize);
    this.#onChunk = onChunk;
  }

  /** Encodes a piece of content. Output buffers may be views of `chunk`. */
  push(chunk: Buffer): Buffer[] {
    if (this.#ended) throw new Error('content already ended');
    if (this.#mode === 'data') return this.#stuffer.push(chunk);
    const out: Buffer[] = [];
    for (let start = 0; start < chunk.length; start += this.#chunkSize) {
      if (this.#held !== null) out.push(...this.#bdat(this.#held, false));
      this.#held = chunk.subarray(start, start + this.#chunkSize);
    }
    return out;
  }

  /** Ends the content: the terminator after DATA, or the held chunk (possibly empty) with LAST. */
  end(): Buffer[] {
    if (this.#ended) return [];
    this.#ended = true;
    if (this.#mode === 'data') return this.#stuffer.end();
    const last = this.#bdat(this.#held ?? Buffer.alloc(0), true);
    this.#held = null;
    return last;
  }

  #bdat(chunk: Buffer, last: boolean): Buffer[] {
    this.#onChunk(last);
    return [Buffer.from(encodeBdat(chunk.length, last)), chunk];
  }
}
