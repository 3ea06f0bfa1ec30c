/**
 * A streaming parser of SMTP replies for the client side (RFC 5321 §4.2, §4.2.1), with enhanced
 * status codes (RFC 2034 §4, RFC 3463). Feed it bytes as they arrive; it returns each reply once
 * its last line is complete. Pure: no I/O, no timers.
 */
import { isEnhancedCodeFor, isReplyCode, type Reply } from './reply.ts';

/** Options for {@link ReplyParser}. */
export interface ReplyParserOptions {
  /**
   * Longest accepted reply line in octets, CRLF included. RFC 5321 §4.5.3.1.5 sets 512 but
   * §4.5.3.1 asks receivers to be generous; default 4096.
   */
  readonly maxLineLength?: number;
  /** Most lines in one multi-line reply (bounds memory). Default 256. */
  readonly maxLines?: number;
  /** Accept a bare LF as line end (some broken servers send it). Default false: CRLF only. */
  readonly allowBareLf?: boolean;
}

/** What {@link ReplyParser.push} returns: the replies completed by this chunk, or a fatal error. */
export type ReplyPushResult =
  | { readonly ok: true; readonly replies: Reply[] }
  | { readonly ok: false; readonly reason: string; readonly replies: Reply[] };

const LF = 0x0a;
const CR = 0x0d;
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
/** RFC 2034 §4: the enhanced code starts the text and is followed by SP (or ends the line). */
const ENHANCED_PREFIX = /^([245]\.[0-9]{1,3}\.[0-9]{1,3})(?: |$)/;

/**
 * Incremental reply parser. A malformed or overlong line is fatal: the stream can no longer be
 * trusted, so every later `push` returns the same error and the caller should drop the connection.
 */
export class ReplyParser {
  readonly #maxLineLength: number;
  readonly #maxLines: number;
  readonly #allowBareLf: boolean;
  #partial: Buffer[] = [];
  #partialLength = 0;
  #code = -1;
  #lines: string[] = [];
  #failure: string | null = null;

  constructor(opts: ReplyParserOptions = {}) {
    this.#maxLineLength = opts.maxLineLength ?? 4096;
    this.#maxLines = opts.maxLines ?? 256;
    this.#allowBareLf = opts.allowBareLf ?? false;
  }

  /** True when part of a reply (a partial line or continuation lines) is waiting for more bytes. */
  get pending(): boolean {
    if (this.#failure !== null) return false;
    return this.#partialLength > 0 || this.#code >= 0;
  }

  /** Consumes `chunk` whole and returns the replies it completed, in order. */
  push(chunk: Uint8Array): ReplyPushResult {
    const replies: Reply[] = [];
    if (this.#failure !== null) return { ok: false, reason: this.#failure, replies };
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    while (start < buf.length) {
      const lf = buf.indexOf(LF, start);
      const end = lf < 0 ? buf.length : lf + 1;
      if (this.#partialLength + (end - start) > this.#maxLineLength)
        return this.#fail('reply line too long', replies);
      if (lf < 0) {
        // Copy: the caller may reuse its buffer, and partial lines are short.
        this.#partial.push(Buffer.from(buf.subarray(start)));
        this.#partialLength += buf.length - start;
        break;
      }
      let line = buf.subarray(start, end);
      if (this.#partialLength > 0) {
        line = Buffer.concat([...this.#partial, line]);
        this.#partial = [];
        this.#partialLength = 0;
      }
      start = end;
      const problem = this.#line(line, replies);
      if (problem !== null) return this.#fail(problem, replies);
    }
    return { ok: true, replies };
  }

  #fail(reason: string, replies: Reply[]): ReplyPushResult {
    this.#failure = reason;
    return { ok: false, reason, replies };
  }

  /** One complete line including its LF: RFC 5321 §4.2 `Reply-line`. Returns a problem or null. */
  #line(line: Buffer, replies: Reply[]): string | null {
    let len = line.length - 1;
    if (len > 0 && line[len - 1] === CR) len--;
    else if (!this.#allowBareLf) return 'reply line not terminated by CRLF';
    // textstring = 1*(%d09 / %d32-126), plus UTF-8 (RFC 6531 §3.7.4): no other controls.
    for (let i = 0; i < len; i++) {
      const b = line[i]!;
      if ((b < 0x20 && b !== 0x09) || b === 0x7f) return 'control character in reply line';
    }
    if (len < 3) return 'malformed reply line';
    const code = (line[0]! - 0x30) * 100 + (line[1]! - 0x30) * 10 + (line[2]! - 0x30);
    if (![line[0]!, line[1]!, line[2]!].every((d) => d >= 0x30 && d <= 0x39) || !isReplyCode(code)) {
      return 'malformed reply code';
    }
    const sep = len > 3 ? line[3] : undefined;
    if (sep !== undefined && sep !== 0x20 && sep !== 0x2d) return 'malformed reply line';
    // RFC 5321 §4.2.1: every line of a multi-line reply carries the same code.
    if (this.#code >= 0 && code !== this.#code) return 'reply code changed within a multi-line reply';
    this.#code = code;
    this.#lines.push(decoder.decode(line.subarray(Math.min(4, len), len)));
    if (sep === 0x2d) {
      return this.#lines.length >= this.#maxLines ? 'too many lines in reply' : null;
    }
    replies.push(finish(code, this.#lines));
    this.#code = -1;
    this.#lines = [];
    return null;
  }
}

/**
 * Splits the enhanced code (RFC 2034 §4) off the lines: the first line decides whether the reply
 * has one (of the reply's class, RFC 3463 §2); later lines lose the same code when they repeat it.
 */
function finish(code: number, raw: string[]): Reply {
  const m = ENHANCED_PREFIX.exec(raw[0]!);
  if (m === null || !isEnhancedCodeFor(code, m[1]!)) return { code, lines: raw };
  const enhanced = m[1]!;
  const lines = raw.map((text) => {
    const p = ENHANCED_PREFIX.exec(text);
    return p !== null && p[1] === enhanced ? text.slice(p[0].length) : text;
  });
  return { code, enhanced, lines };
}
