/**
 * The IMAP command framer: an incremental, pure splitter of the client's byte stream into
 * complete commands (RFC 9051 §2.2.1, §4.3, §7.5). Feed it bytes with {@link CommandFramer.push},
 * pull events with {@link CommandFramer.next}:
 *
 * - `command`: a complete command: its lines (without CRLF) and the literals between them;
 * - `continue`: the command announced a synchronizing literal `{n}` the framer accepts: the
 *   session sends a continuation request (`+ Ready`) now, before the literal arrives (§7.5), or
 *   calls {@link CommandFramer.skipCommand} and answers the command itself;
 * - `error`: the command broke a limit; it has been skipped (a refused synchronizing literal is
 *   never read: the client waits for `+`; a non-synchronizing literal's octets are read and
 *   discarded, RFC 7888 §4), and the session answers with a tagged BAD or NO. With `fatal` the
 *   stream cannot be followed any more and the session closes the connection;
 * - `line`: in `line` mode, one plain line (the IDLE `DONE` of RFC 2177 §3, a SASL response of
 *   AUTHENTICATE, RFC 9051 §6.2.2), with no tag and no literal.
 *
 * Only CRLF ends a line (RFC 9051 §2.2): a bare CR or LF stays in the line, where the parser
 * rejects it. Memory stays bounded by the limits: a too-long line is discarded as it arrives.
 */

import { ByteQueue } from './byte-queue.ts';
import { readCommandName, readTag } from './line-head.ts';
import { findLiteralMarker } from './literal.ts';
import { LiteralReader } from './literal-reader.ts';

/** Limits of a {@link CommandFramer}; each may be changed later with `setOptions`. */
export interface FramerOptions {
  /** Longest line, in octets, without its CRLF and without literals (default 8192). */
  readonly maxLineLength?: number;
  /** Largest literal accepted, synchronizing or not (default 64 MiB; APPENDLIMIT, RFC 7889). */
  readonly maxLiteralSize?: number;
  /**
   * Largest non-synchronizing literal `{n+}` (default: no other limit than `maxLiteralSize`,
   * i.e. LITERAL+). A server advertising LITERAL- sets 4096 (RFC 7888 §4).
   */
  readonly maxNonSyncLiteralSize?: number;
  /** Largest whole command: its lines, CRLFs and literals (default 80 MiB). */
  readonly maxCommandSize?: number;
}

/** The limits in force when an option is not given. */
export const FRAMER_DEFAULTS: Required<FramerOptions> = {
  maxLineLength: 8192,
  maxLiteralSize: 64 * 1024 * 1024,
  maxNonSyncLiteralSize: Number.POSITIVE_INFINITY,
  maxCommandSize: 80 * 1024 * 1024,
};

/** A literal of a command (RFC 9051 §4.3): its octets and how it was announced. */
export interface Literal {
  readonly data: Buffer;
  /** False for a non-synchronizing literal `{n+}` (RFC 7888). */
  readonly sync: boolean;
  /** True for `~{n}` (RFC 3516 literal8). */
  readonly binary: boolean;
}

/**
 * One complete command as received. `lines[i]` is the i-th line without its CRLF; every line
 * but the last ends with the marker of `literals[i]`, whose octets follow that line's CRLF
 * (so `lines.length === literals.length + 1`). `size` counts every octet, CRLFs included.
 */
export interface CommandUnit {
  readonly tag: string | undefined;
  readonly lines: readonly Buffer[];
  readonly literals: readonly Literal[];
  readonly size: number;
}

/** Why a command was refused by the framer. */
export type FrameErrorReason =
  | 'line-too-long'
  | 'literal-too-large'
  | 'command-too-large'
  | 'literal-overflow';

/** What {@link CommandFramer.next} returns (see the module comment). */
export type FrameEvent =
  | { readonly kind: 'command'; readonly unit: CommandUnit }
  | {
      readonly kind: 'continue';
      readonly tag: string | undefined;
      /** The command name, upper case (`APPEND`, `LOGIN`, `UID SEARCH`…), when readable. */
      readonly command: string | undefined;
      readonly size: number;
      readonly binary: boolean;
    }
  | { readonly kind: 'line'; readonly line: Buffer }
  | {
      readonly kind: 'error';
      readonly tag: string | undefined;
      readonly command: string | undefined;
      readonly reason: FrameErrorReason;
      readonly text: string;
      readonly fatal: boolean;
    };

/** `command`: tagged commands; `line`: plain lines (IDLE, AUTHENTICATE continuations). */
export type FramerMode = 'command' | 'line';

type State = 'line' | 'literal' | 'skip-line' | 'literal-skip' | 'failed';

interface Pending {
  readonly tag: string | undefined;
  readonly command: string | undefined;
  readonly lines: Buffer[];
  readonly literals: Literal[];
  size: number;
  error: { reason: FrameErrorReason; text: string } | undefined;
}

interface SkippedLine {
  head: Buffer;
  tail: Buffer;
  length: number;
  lastCr: boolean;
}

const CR = 0x0d;
const LF = 0x0a;
const CRLF = Buffer.from('\r\n');
/** Octets of a skipped line kept at each end: its tag at the start, a literal marker at the end. */
const EDGE = 128;
const AGAIN = Symbol('again');

/** See the module comment. Pure: no I/O, no timers; never throws on any input. */
export class CommandFramer {
  #options: Required<FramerOptions>;
  #mode: FramerMode = 'command';
  #state: State = 'line';
  /** Unread input. */
  readonly #input = new ByteQueue();
  /** Where the search for CRLF resumes in the unread input. */
  #scan = 0;
  #cmd: Pending | undefined;
  #literal: LiteralReader | undefined;
  #skipLeft = 0;
  #skipped: SkippedLine | undefined;

  constructor(options: FramerOptions = {}) {
    this.#options = { ...FRAMER_DEFAULTS, ...options };
  }

  /** Changes limits; they apply from the next line or literal read. */
  setOptions(options: FramerOptions): void {
    this.#options = { ...this.#options, ...options };
  }

  get mode(): FramerMode {
    return this.#mode;
  }

  /**
   * Switches between tagged commands and plain lines. Call it between commands (after a
   * `command` event whose handler reads continuation lines, and again when they are over).
   */
  setMode(mode: FramerMode): void {
    this.#mode = mode;
  }

  /** Octets received and not yet framed. */
  get buffered(): number {
    return this.#input.length;
  }

  /** True while a command has been started but not completed. */
  get inCommand(): boolean {
    return this.#cmd !== undefined || this.#state !== 'line';
  }

  /**
   * Discards all buffered input and any command in progress, and returns to command mode. For
   * STARTTLS: octets that arrived before the TLS handshake must not be read as commands once it
   * is done (RFC 9051 §6.2.1, RFC 3207 §4.2 / CVE-2011-0411). A failed framer stays failed.
   */
  clear(): void {
    this.#input.consume(this.#input.length);
    this.#scan = 0;
    this.#mode = 'command';
    if (this.#state !== 'failed') this.#reset();
  }

  /** Appends received octets. */
  push(chunk: Uint8Array): void {
    if (chunk.length > 0 && this.#state !== 'failed') this.#input.push(chunk);
  }

  /**
   * Drops the command whose synchronizing literal was just announced by a `continue` event,
   * instead of sending the continuation request: the session refuses the literal itself (a
   * tagged NO or BAD, RFC 9051 §7.5). Returns false when there is no such command.
   */
  skipCommand(): boolean {
    const lit = this.#literal;
    if (this.#state !== 'literal' || lit === undefined || !lit.sync || !lit.untouched) return false;
    this.#reset();
    return true;
  }

  /** The next event, or `null` when more input is needed. */
  next(): FrameEvent | null {
    for (;;) {
      let r: FrameEvent | null | typeof AGAIN;
      switch (this.#state) {
        case 'failed':
          return null;
        case 'literal':
          r = this.#readLiteral();
          break;
        case 'literal-skip':
          r = this.#skipLiteral();
          break;
        case 'skip-line':
          r = this.#skipLine();
          break;
        case 'line':
          r = this.#readLine();
          break;
      }
      if (r !== AGAIN) return r;
    }
  }

  #view(): Buffer {
    return this.#input.view();
  }

  #consume(n: number): void {
    this.#input.consume(n);
    this.#scan = 0;
  }

  #reset(): void {
    this.#cmd = undefined;
    this.#literal = undefined;
    this.#skipped = undefined;
    this.#state = 'line';
  }

  #readLine(): FrameEvent | null | typeof AGAIN {
    const view = this.#view();
    const i = view.indexOf(CRLF, this.#scan);
    if (i < 0) {
      // A CR at the very end may be followed by its LF: one octet of grace.
      if (view.length > this.#options.maxLineLength + 1) {
        this.#skipped = {
          head: Buffer.from(view.subarray(0, EDGE)),
          tail: Buffer.from(view.subarray(-EDGE)),
          length: view.length,
          lastCr: view[view.length - 1] === CR,
        };
        this.#consume(view.length);
        this.#state = 'skip-line';
        return AGAIN;
      }
      this.#scan = Math.max(0, view.length - 1);
      return null;
    }
    const line = Buffer.from(view.subarray(0, i));
    this.#consume(i + 2);
    if (line.length > this.#options.maxLineLength) {
      return this.#lineEnded(null, line.subarray(0, EDGE), line.subarray(-EDGE), line.length);
    }
    return this.#lineEnded(line, line, line, line.length);
  }

  #skipLine(): FrameEvent | null | typeof AGAIN {
    const s = this.#skipped!;
    const view = this.#view();
    if (view.length === 0) return null;
    if (s.lastCr && view[0] === LF) {
      // The CRLF straddled two chunks: the CR already in the tail ends the line.
      this.#consume(1);
      return this.#lineEnded(null, s.head, s.tail.subarray(0, -1), s.length - 1);
    }
    const i = view.indexOf(CRLF);
    if (i < 0) {
      s.tail = Buffer.concat([s.tail, view.subarray(-EDGE)]).subarray(-EDGE);
      s.length += view.length;
      s.lastCr = view[view.length - 1] === CR;
      this.#consume(view.length);
      return null;
    }
    const tail = Buffer.concat([s.tail, view.subarray(0, i)]).subarray(-EDGE);
    const length = s.length + i;
    this.#consume(i + 2);
    return this.#lineEnded(null, s.head, tail, length);
  }

  /**
   * A line ended: `line` is its content, or null when it was too long and was discarded (then
   * only `head` and `tail`, its first and last octets, are known).
   */
  #lineEnded(line: Buffer | null, head: Buffer, tail: Buffer, length: number): FrameEvent | typeof AGAIN {
    this.#skipped = undefined;
    this.#state = 'line';
    if (this.#mode === 'line' && this.#cmd === undefined) {
      if (line !== null) return { kind: 'line', line };
      return this.#error(undefined, undefined, 'line-too-long', 'Line too long', false);
    }
    let cmd = this.#cmd;
    if (cmd === undefined) {
      const text = head.toString('latin1');
      const tag = readTag(text, head.length < length);
      cmd = { tag, command: readCommandName(text, tag), lines: [], literals: [], size: 0, error: undefined };
      this.#cmd = cmd;
    }
    cmd.size += length + 2;
    if (line === null) cmd.error ??= { reason: 'line-too-long', text: 'Command line too long' };
    else if (cmd.size > this.#options.maxCommandSize) cmd.error ??= commandTooLarge;
    else cmd.lines.push(line);
    const marker = findLiteralMarker(line ?? tail, line === null && tail.length < length);
    if (marker === null) return this.#finish();
    if (marker.sync) {
      // The client waits for "+" before sending the octets: refusing reads nothing more.
      if (cmd.error === undefined) {
        if (marker.size === null) cmd.error = { reason: 'literal-overflow', text: 'Literal size too large' };
        else if (marker.size > this.#options.maxLiteralSize) cmd.error = literalTooLarge;
        else if (cmd.size + marker.size > this.#options.maxCommandSize) cmd.error = commandTooLarge;
      }
      if (cmd.error !== undefined) return this.#finish();
      cmd.size += marker.size!;
      this.#startLiteral(marker.size!, true, marker.binary);
      return {
        kind: 'continue',
        tag: cmd.tag,
        command: cmd.command,
        size: marker.size!,
        binary: marker.binary,
      };
    }
    if (marker.size === null) {
      // RFC 7888 §4: the octets cannot be counted, so the stream cannot be followed.
      this.#state = 'failed';
      return this.#error(cmd.tag, cmd.command, 'literal-overflow', 'Literal size too large', true);
    }
    const limit = Math.min(this.#options.maxLiteralSize, this.#options.maxNonSyncLiteralSize);
    if (cmd.error === undefined) {
      if (marker.size > limit) cmd.error = literalTooLarge;
      else if (cmd.size + marker.size > this.#options.maxCommandSize) cmd.error = commandTooLarge;
    }
    cmd.size += marker.size;
    if (cmd.error !== undefined) {
      this.#skipLeft = marker.size;
      this.#state = 'literal-skip';
    } else {
      this.#startLiteral(marker.size, false, marker.binary);
    }
    return AGAIN;
  }

  #startLiteral(size: number, sync: boolean, binary: boolean): void {
    this.#literal = new LiteralReader(size, sync, binary);
    this.#state = 'literal';
  }

  #readLiteral(): null | typeof AGAIN {
    const lit = this.#literal!;
    if (!lit.read(this.#input)) return null;
    this.#scan = 0;
    this.#cmd!.literals.push({ data: lit.data(), sync: lit.sync, binary: lit.binary });
    this.#literal = undefined;
    this.#state = 'line';
    return AGAIN;
  }

  #skipLiteral(): null | typeof AGAIN {
    const n = Math.min(this.#skipLeft, this.#input.length);
    this.#consume(n);
    this.#skipLeft -= n;
    if (this.#skipLeft > 0) return null;
    this.#state = 'line';
    return AGAIN;
  }

  #finish(): FrameEvent {
    const cmd = this.#cmd!;
    this.#reset();
    if (cmd.error !== undefined)
      return this.#error(cmd.tag, cmd.command, cmd.error.reason, cmd.error.text, false);
    return {
      kind: 'command',
      unit: { tag: cmd.tag, lines: cmd.lines, literals: cmd.literals, size: cmd.size },
    };
  }

  #error(
    tag: string | undefined,
    command: string | undefined,
    reason: FrameErrorReason,
    text: string,
    fatal: boolean,
  ): FrameEvent {
    return { kind: 'error', tag, command, reason, text, fatal };
  }
}

const literalTooLarge = { reason: 'literal-too-large', text: 'Literal too large' } as const;
const commandTooLarge = { reason: 'command-too-large', text: 'Command too large' } as const;
