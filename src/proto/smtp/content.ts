/**
 * Shared accounting for message content received over SMTP (DATA and BDAT): the output chunks,
 * the size limit, the line-length limit and the bare CR / bare LF policy. Used by
 * `data-decoder.ts` and `bdat-normalizer.ts` so both store the same bytes for the same message.
 */

/** Options for the content decoders. */
export interface ContentPolicy {
  /**
   * What to do with a CR or LF that is not part of a CRLF (RFC 5321 §2.3.8: they MUST NOT occur
   * on their own). `'normalize'` (default) stores each as CRLF, like Postfix's
   * `smtpd_forbid_bare_newline = normalize`; `'reject'` stops storing the content and marks it
   * `refused: 'bare-line-end'`. Either way decoding continues to the real end of the data.
   */
  readonly bareLineEnds?: 'normalize' | 'reject';
  /** Most content octets to store; beyond it the content is `refused: 'too-large'`. Default: no limit. */
  readonly maxSize?: number;
  /** Longest line in octets, CRLF included, before `longLine` is set (RFC 5321 §4.5.3.1.6: 1000). */
  readonly maxLineLength?: number;
}

/** Why the content must not be accepted. */
export type RefusalReason = 'too-large' | 'bare-line-end';

/** What the decoder has seen so far. */
export interface ContentStatus {
  /** Content octets decoded so far, counted even after storing stopped. */
  readonly size: number;
  /** `size` went over `maxSize`. */
  readonly tooLarge: boolean;
  /** A line was longer than `maxLineLength`; informative, the session decides. */
  readonly longLine: boolean;
  /** A bare CR or LF was seen (repaired in 'normalize' mode). */
  readonly bareLineEnd: boolean;
  /** Set when the session must refuse the content (the first reason found); output stopped then. */
  readonly refused: RefusalReason | null;
}

const CRLF = Buffer.from('\r\n');

/** The mutable accounting behind `DataDecoder` and `BdatNormalizer` (internal to proto/smtp). */
export class ContentSink implements ContentStatus {
  size = 0;
  tooLarge = false;
  longLine = false;
  bareLineEnd = false;
  refused: RefusalReason | null = null;
  /** Octets of the current line so far, without its line end. */
  lineLength = 0;
  /** Output of the current `push`; replaced by {@link take}. */
  #out: Buffer[] = [];
  readonly #reject: boolean;
  readonly #maxSize: number;
  readonly #maxLine: number;

  constructor(policy: ContentPolicy = {}) {
    this.#reject = policy.bareLineEnds === 'reject';
    this.#maxSize = policy.maxSize ?? Number.POSITIVE_INFINITY;
    this.#maxLine = policy.maxLineLength ?? 1000;
  }

  /**
   * Appends content (a view of the input, not copied) unless storing has stopped. The output
   * stops at exactly `maxSize` octets, whatever the chunking.
   */
  emit(buf: Buffer): void {
    if (buf.length === 0) return;
    const before = this.size;
    this.size += buf.length;
    if (this.size > this.#maxSize && !this.tooLarge) {
      this.tooLarge = true;
      if (this.refused === null && this.#maxSize > before)
        this.#out.push(buf.subarray(0, this.#maxSize - before));
      this.refused ??= 'too-large';
    }
    if (this.refused === null) this.#out.push(buf);
  }

  /** Adds `n` octets of line content to the current line. */
  lineOctets(n: number): void {
    this.lineLength += n;
    if (this.lineLength + 2 > this.#maxLine) this.longLine = true;
  }

  /** Ends the current line; `emitted` says whether the caller already emitted its CRLF. */
  endLine(emitted: boolean): void {
    if (!emitted) this.emit(CRLF);
    if (this.lineLength + 2 > this.#maxLine) this.longLine = true;
    this.lineLength = 0;
  }

  /** Records a bare CR or LF, which ends the line as a CRLF (RFC 5321 §2.3.8). */
  bareEnd(): void {
    this.bareLineEnd = true;
    if (this.#reject) this.refused ??= 'bare-line-end';
    this.endLine(false);
  }

  /** Returns the output gathered since the last call. */
  take(): Buffer[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }

  /** A snapshot of the status. */
  status(): ContentStatus {
    return {
      size: this.size,
      tooLarge: this.tooLarge,
      longLine: this.longLine,
      bareLineEnd: this.bareLineEnd,
      refused: this.refused,
    };
  }
}
