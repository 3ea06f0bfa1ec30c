/**
 * The incremental decoder of the DATA phase (RFC 5321 §4.1.1.4, §4.5.2): finds the end of the
 * data, removes dot-stuffing and hands out the content with CRLF line ends.
 *
 * Rules that close SMTP smuggling (CVE-2023-51764, -51765, -51766):
 * - Only CR LF "." CR LF ends the data. The start of the data counts as following a CRLF, so
 *   `.\r\n` first is an empty message.
 * - A bare LF or bare CR is never a line end for finding the end of data or for dot-unstuffing:
 *   the line after it does not follow a CRLF, so `\n.\r\n` is content and its dot is kept.
 * - A bare CR / LF is stored as CRLF ('normalize') or refuses the content ('reject'), see
 *   {@link ContentPolicy}; decoding always continues to the real terminator so that the bytes
 *   after it are read as the next command (pipelining, RFC 2920).
 */
import { type ContentPolicy, ContentSink, type ContentStatus } from './content.ts';

export type { ContentPolicy, ContentStatus, RefusalReason } from './content.ts';

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

// Decoder states (numbers: erasable syntax, no enum).
/** At the start of a line that follows a real CRLF, or at the start of the data. */
const LINE_START = 0;
/** Inside a line, or at the start of a line that follows a bare CR / LF. */
const TEXT = 1;
/** A CR was seen; the next byte decides whether it is a CRLF. */
const AFTER_CR = 2;
/** A "." was seen at LINE_START. */
const DOT_SEEN = 3;
/** "." CR was seen at LINE_START. */
const DOT_CR = 4;
/** The terminator was consumed. */
const DONE = 5;

/** What one {@link DataDecoder.push} did. */
export interface DataPushResult {
  /** Octets of the chunk that belong to the data (all of it unless `done`). */
  readonly consumed: number;
  /** The terminator was found; `chunk.subarray(consumed)` is the next command's. */
  readonly done: boolean;
  /**
   * Decoded content produced by this push, in order. The buffers may be views of the input chunk
   * (not copies): do not modify the input afterwards, and treat these as read-only.
   */
  readonly chunks: Buffer[];
}

/** The status of a {@link DataDecoder}: the content accounting plus whether the end was found. */
export interface DataStatus extends ContentStatus {
  readonly done: boolean;
}

/**
 * Incremental DATA decoder. Feed it every byte received after the 354 reply; it never throws.
 * Output chunks are not copied again, so collecting them in an array costs one pass.
 */
export class DataDecoder {
  readonly #sink: ContentSink;
  #state: number = LINE_START;

  constructor(policy: ContentPolicy = {}) {
    this.#sink = new ContentSink(policy);
  }

  /** The current status (a snapshot). */
  get status(): DataStatus {
    return { ...this.#sink.status(), done: this.#state === DONE };
  }

  /** Consumes data bytes up to and including the terminator. After `done`, consumes nothing. */
  push(chunk: Buffer): DataPushResult {
    if (this.#state === DONE) return { consumed: 0, done: true, chunks: [] };
    const sink = this.#sink;
    const n = chunk.length;
    let state = this.#state;
    // Start of the pending run of input bytes that pass to the output unchanged, or -1.
    let run = -1;
    let i = 0;
    // Positions of the next CR and LF at or after `i` (-1: none left, -2: not looked for yet).
    let nextCr = -2;
    let nextLf = -2;
    const flush = (end: number): void => {
      if (run >= 0 && end > run) sink.emit(chunk.subarray(run, end));
      run = -1;
    };
    while (i < n && state !== DONE) {
      const b = chunk[i]!;
      switch (state) {
        case LINE_START:
          // RFC 5321 §4.5.2: a line starting with "." is either the terminator or dot-stuffed.
          if (b === DOT) {
            flush(i);
            state = DOT_SEEN;
            i++;
          } else {
            state = TEXT;
          }
          break;
        case TEXT: {
          // The line's text runs to the nearer of the next CR and the next LF, each found by a
          // native search (several times faster than a byte loop) and kept until passed.
          const begin = i;
          if (nextCr !== -1 && nextCr < i) nextCr = chunk.indexOf(CR, i);
          if (nextLf !== -1 && nextLf < i) nextLf = chunk.indexOf(LF, i);
          i = nextCr === -1 ? n : nextCr;
          if (nextLf !== -1 && nextLf < i) i = nextLf;
          const c = i < n ? chunk[i]! : 0;
          if (i > begin) {
            if (run < 0) run = begin;
            sink.lineOctets(i - begin);
          }
          if (i === n) break;
          if (c === CR) {
            if (run < 0) run = i;
            state = AFTER_CR;
          } else {
            // A bare LF: stored as CRLF; the next line does not follow a CRLF.
            flush(i);
            sink.bareEnd();
          }
          i++;
          break;
        }
        case AFTER_CR:
          if (b === LF) {
            // A real CRLF. In this chunk it is part of the run; a CR carried over from the
            // previous chunk was held back, so write the pair now.
            sink.endLine(run >= 0);
            i++;
            state = LINE_START;
          } else {
            // A bare CR: stored as CRLF, and the byte after it is read again as text.
            if (run >= 0) flush(i - 1);
            sink.bareEnd();
            state = TEXT;
          }
          break;
        case DOT_SEEN:
          if (b === CR) {
            state = DOT_CR;
            i++;
          } else {
            // Dot-stuffing: the first "." of the line is removed (RFC 5321 §4.5.2).
            state = TEXT;
          }
          break;
        case DOT_CR:
          if (b === LF) {
            // CRLF "." CRLF: the end of the data (RFC 5321 §4.1.1.4).
            state = DONE;
            i++;
          } else {
            // "." then a bare CR: the dot was stuffing, the CR is a bare line end.
            sink.bareEnd();
            state = TEXT;
          }
          break;
      }
    }
    if (state === AFTER_CR && run >= 0 && i === n) flush(n - 1);
    else flush(i);
    this.#state = state;
    return { consumed: i, done: state === DONE, chunks: sink.take() };
  }
}
