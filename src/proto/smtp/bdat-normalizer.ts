/**
 * Content accounting for BDAT chunks (RFC 3030 §2): the content is counted in octets, with no
 * dot-stuffing and no terminator, but the same bare CR / LF policy, size and line-length limits
 * as DATA apply across chunk boundaries, so that BDAT and DATA store the same bytes for the same
 * message (see `data-decoder.ts`).
 *
 * RFC 3030 §3: a BODY=BINARYMIME message may hold any octets; give `binary: true` for it and the
 * content passes unchanged (only the size is counted).
 */
import { type ContentPolicy, ContentSink, type ContentStatus } from './content.ts';

export type { ContentPolicy, ContentStatus, RefusalReason } from './content.ts';

const CR = 0x0d;
const LF = 0x0a;

/** Options of a {@link BdatNormalizer}. */
export interface BdatPolicy extends ContentPolicy {
  /** BODY=BINARYMIME: store octets as they are, no line-end handling (RFC 3030 §3). */
  readonly binary?: boolean;
}

/**
 * Incremental BDAT content normalizer: feed it the octets of every chunk of a transaction, then
 * call {@link end} after the LAST chunk. Never throws. Output buffers may be views of the input.
 */
export class BdatNormalizer {
  readonly #sink: ContentSink;
  readonly #binary: boolean;
  /** A CR ended the previous input and was held back. */
  #pendingCr = false;
  #ended = false;

  constructor(policy: BdatPolicy = {}) {
    this.#sink = new ContentSink(policy);
    this.#binary = policy.binary === true;
  }

  /** The current status (a snapshot). */
  get status(): ContentStatus {
    return this.#sink.status();
  }

  /** Consumes a whole chunk (or part of one) and returns the content it produced. */
  push(chunk: Buffer): Buffer[] {
    const sink = this.#sink;
    if (this.#ended) return [];
    if (this.#binary) {
      sink.emit(chunk);
      return sink.take();
    }
    const n = chunk.length;
    let run = -1;
    let i = 0;
    if (this.#pendingCr && n > 0) {
      this.#pendingCr = false;
      if (chunk[0] === LF) {
        sink.endLine(false); // a CRLF split across chunks
        i = 1;
      } else {
        sink.bareEnd();
      }
    }
    while (i < n) {
      const begin = i;
      let c = chunk[i]!;
      while (c !== CR && c !== LF) {
        if (++i === n) break;
        c = chunk[i]!;
      }
      if (i > begin) {
        if (run < 0) run = begin;
        sink.lineOctets(i - begin);
      }
      if (i === n) break;
      if (c === LF) {
        // A bare LF (RFC 5321 §2.3.8).
        if (run >= 0) sink.emit(chunk.subarray(run, i));
        run = -1;
        sink.bareEnd();
        i++;
      } else if (i + 1 === n) {
        // A CR at the end of the chunk: held back until the next byte is known.
        this.#pendingCr = true;
        i++;
        if (run >= 0) sink.emit(chunk.subarray(run, i - 1));
        run = -1;
      } else if (chunk[i + 1] === LF) {
        if (run < 0) run = i;
        sink.endLine(true);
        i += 2;
      } else {
        // A bare CR.
        if (run >= 0) sink.emit(chunk.subarray(run, i));
        run = -1;
        sink.bareEnd();
        i++;
      }
    }
    if (run >= 0) sink.emit(chunk.subarray(run, n));
    return sink.take();
  }

  /**
   * Ends the content (after BDAT … LAST). A CR held back is a bare CR; content that does not end
   * with a line end gets a CRLF, as DATA content always does. Returns the last output.
   */
  end(): Buffer[] {
    if (this.#ended) return [];
    this.#ended = true;
    if (this.#binary) return [];
    if (this.#pendingCr) {
      this.#pendingCr = false;
      this.#sink.bareEnd();
    } else if (this.#sink.lineLength > 0) {
      this.#sink.endLine(false);
    }
    return this.#sink.take();
  }
}
