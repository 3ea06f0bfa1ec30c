/**
 * The content of a transaction on the wire: dot-stuffed with the "." terminator after DATA
 * (RFC 5321 §4.5.2), or cut into BDAT chunks (RFC 3030 §2), the last one held back so it can
 * carry LAST. Either way the shared `DotStuffer` writes every bare CR or LF as CRLF (RFC 5321
 * §2.3.8), so no bare line end leaves Loft (no outbound smuggling). Pure.
 */
import { encodeBdat } from '../../proto/smtp/command-encode.ts';
import { DotStuffer } from '../../proto/smtp/dot-stuff.ts';

/** Encodes one message's content; `onChunk` is told of each BDAT command sent (one reply each). */
export class ContentEncoder {
  readonly #mode: 'data' | 'bdat';
  readonly #chunkSize: number;
  readonly #onChunk: (last: boolean) => void;
  readonly #stuffer: DotStuffer;
  #held: Buffer | null = null;
  #ended = false;

  constructor(mode: 'data' | 'bdat', chunkSize: number, onChunk: (last: boolean) => void) {
    this.#mode = mode;
    this.#chunkSize = Math.max(1, chunkSize);
    this.#onChunk = onChunk;
    this.#stuffer = new DotStuffer({ stuffDots: mode === 'data' });
  }

  /** Encodes a piece of content. Output buffers may be views of `chunk`. */
  push(chunk: Buffer): Buffer[] {
    if (this.#ended) throw new Error('content already ended');
    const encoded = this.#stuffer.push(chunk);
    if (this.#mode === 'data') return encoded;
    return this.#cut(encoded.length === 1 ? encoded[0]! : Buffer.concat(encoded));
  }

  /** Cuts repaired content into chunks, holding the last one back. */
  #cut(data: Buffer): Buffer[] {
    const out: Buffer[] = [];
    for (let start = 0; start < data.length; start += this.#chunkSize) {
      if (this.#held !== null) out.push(...this.#bdat(this.#held, false));
      this.#held = data.subarray(start, start + this.#chunkSize);
    }
    return out;
  }

  /** Ends the content: the terminator after DATA, or the held chunk (possibly empty) with LAST. */
  end(): Buffer[] {
    if (this.#ended) return [];
    this.#ended = true;
    const tail = this.#stuffer.end();
    if (this.#mode === 'data') return tail;
    // The missing final CRLF, if any, joins the held chunk.
    const rest = this.#held === null ? Buffer.concat(tail) : Buffer.concat([this.#held, ...tail]);
    this.#held = null;
    const out = this.#cut(rest);
    out.push(...this.#bdat(this.#held ?? Buffer.alloc(0), true));
    return out;
  }

  #bdat(chunk: Buffer, last: boolean): Buffer[] {
    this.#onChunk(last);
    return [Buffer.from(encodeBdat(chunk.length, last)), chunk];
  }
}
