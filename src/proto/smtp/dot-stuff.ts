/**
 * The dot-stuffing encoder (RFC 5321 §4.5.2) for content sent with DATA, and for POP3 multi-line
 * responses (RFC 1939 §3), which use the same rule: a "." is added before every line that starts
 * with ".", the content is made to end with CRLF, and "." CRLF is appended.
 *
 * Against outbound SMTP smuggling, every bare CR or bare LF in the input is written as CRLF (and
 * the line after it is dot-stuffed too), so the output never holds an end-of-data sequence that
 * some receiver could read differently.
 */

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const CRLF = Buffer.from('\r\n');
const DOT_ONLY = Buffer.from('.');
const TERMINATOR = Buffer.from('.\r\n');
const CRLF_TERMINATOR = Buffer.from('\r\n.\r\n');

/** A line starting with ".", a bare CR (or one ending the chunk), a bare LF (or one starting it). */
const NOT_CANONICAL = /\n\.|\r(?!\n)|(?<!\r)\n/;

const LINE_START = 0;
const TEXT = 1;
const AFTER_CR = 2;

/** Options of {@link DotStuffer}. */
export interface DotStufferOptions {
  /**
   * Stuff dots and end with "." CRLF (default true). False only repairs line ends, for content
   * sent with BDAT (RFC 3030), which is length-delimited but must still use CRLF (RFC 5321 §2.3.8).
   */
  readonly stuffDots?: boolean;
}

/**
 * Incremental dot-stuffer: `push` each chunk of content, then `end` once. Output buffers may be
 * views of the input (not copies) or shared constants: treat them as read-only.
 */
export class DotStuffer {
  #state = LINE_START;
  #ended = false;
  readonly #dots: boolean;

  constructor(options: DotStufferOptions = {}) {
    this.#dots = options.stuffDots ?? true;
  }

  /** Encodes a chunk of content. */
  push(chunk: Buffer): Buffer[] {
    if (this.#ended) throw new Error('DotStuffer.push after end');
    const n = chunk.length;
    if (n > 0 && this.#canonical(chunk)) {
      this.#state = chunk[n - 1] === LF ? LINE_START : TEXT;
      return [chunk];
    }
    const out: Buffer[] = [];
    let state = this.#state;
    let run = -1;
    let i = 0;
    const flush = (end: number): void => {
      if (run >= 0 && end > run) out.push(chunk.subarray(run, end));
      run = -1;
    };
    while (i < n) {
      const b = chunk[i]!;
      if (state === LINE_START) {
        state = TEXT;
        if (b === DOT && this.#dots) {
          flush(i);
          out.push(DOT_ONLY); // the stuffed dot; the original one starts the next run
        }
      } else if (state === TEXT) {
        if (b === CR) {
          if (run < 0) run = i;
          state = AFTER_CR;
        } else if (b === LF) {
          flush(i);
          out.push(CRLF); // bare LF written as CRLF
          state = LINE_START;
        } else {
          if (run < 0) run = i;
          // Skip the rest of the line's ordinary bytes in one tight loop.
          i++;
          while (i < n) {
            const c = chunk[i]!;
            if (c === CR || c === LF) break;
            i++;
          }
          continue;
        }
        i++;
      } else if (b === LF) {
        // AFTER_CR: a real CRLF (in the run, or completing a CR held back from the last chunk).
        if (run < 0) out.push(CRLF);
        i++;
        state = LINE_START;
      } else {
        // AFTER_CR: a bare CR, written as CRLF; this byte starts the next line.
        if (run >= 0) flush(i - 1);
        out.push(CRLF);
        state = LINE_START;
      }
    }
    if (state === AFTER_CR && run >= 0) flush(n - 1);
    else flush(n);
    this.#state = state;
    return out;
  }

  /**
   * True when the chunk needs no change here: CRLF line ends only, no line starting with "."
   * (the usual content, stored by Loft as received). Tested with one regular expression over a
   * latin1 view, several times faster than the byte loop of the general case.
   */
  #canonical(chunk: Buffer): boolean {
    if (this.#state === AFTER_CR) return false;
    if (this.#state === LINE_START && chunk[0] === DOT && this.#dots) return false;
    return !NOT_CANONICAL.test(chunk.toString('latin1'));
  }

  /**
   * Ends the content: CRLF if the last line lacks one, then the "." CRLF terminator (only the
   * missing CRLF when dots are not stuffed).
   */
  end(): Buffer[] {
    if (this.#ended) return [];
    this.#ended = true;
    if (!this.#dots) return this.#state === LINE_START ? [] : [CRLF];
    return [this.#state === LINE_START ? TERMINATOR : CRLF_TERMINATOR];
  }
}

/** Dot-stuffs a whole message and appends the terminator (a convenience over {@link DotStuffer}). */
export function dotStuff(content: Buffer): Buffer {
  const s = new DotStuffer();
  return Buffer.concat([...s.push(content), ...s.end()]);
}
