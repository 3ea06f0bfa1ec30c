/**
 * The reading position in one command ({@link CommandUnit}) and the lexical rules of RFC 9051
 * §9 that every command parser shares: SP, atom, number, quoted, literal, string, astring,
 * nstring. Grammar functions are named after the ABNF rules they read.
 *
 * Errors are thrown as {@link ParseError} inside the parsers and turned into a BAD result by
 * `parseCommand` (`./index.ts`), which never throws.
 *
 * Tolerances, as Dovecot: runs of spaces count as one SP, trailing spaces are ignored, and quoted
 * strings may hold 8-bit octets (RFC 9051 allows UTF-8 there; IMAP4rev1 clients send 8-bit
 * SEARCH strings in their CHARSET); where the text must be UTF-8 the caller decodes it strictly.
 */

import { decodeUtf8Strict } from '../../sasl/encoding.ts';
import type { CommandUnit, Literal } from '../framer.ts';
import { findLiteralMarker } from '../literal.ts';

/** A syntax error: the command is answered with BAD and `message` as text. */
export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParseError';
  }
}

/** Limits of the parser (see `ParseOptions` in `./index.ts`). */
export interface CursorLimits {
  readonly maxDepth: number;
  readonly maxSequenceRanges: number;
}

// RFC 9051 §9: atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials /
// resp-specials; ATOM-CHAR = <any CHAR except atom-specials> (CHAR is 7-bit).
const ATOM = /[^\x00-\x20\x7f-\xff(){%*"\\\]]+/y;
// ASTRING-CHAR = ATOM-CHAR / resp-specials
const ASTRING = /[^\x00-\x20\x7f-\xff(){%*"\\]+/y;
// list-char = ATOM-CHAR / list-wildcards / resp-specials
const LIST_CHARS = /[^\x00-\x20\x7f-\xff(){"\\]+/y;
const DIGITS = /[0-9]+/y;
const SPACES = / +/y;

function sticky(re: RegExp, text: string, pos: number): string | undefined {
  re.lastIndex = pos;
  return re.exec(text)?.[0];
}

/** The reading position; see the module comment. */
export class Cursor {
  /** Each line as a latin1 string: one character per octet. */
  readonly #lines: readonly string[];
  readonly #literals: readonly Literal[];
  readonly limits: CursorLimits;
  #line = 0;
  #pos = 0;
  #depth = 0;

  constructor(unit: CommandUnit, limits: CursorLimits) {
    this.#lines = unit.lines.map((l) => l.toString('latin1'));
    this.#literals = unit.literals;
    this.limits = limits;
  }

  get #text(): string {
    return this.#lines[this.#line] ?? '';
  }

  /** The next character of the current line, or undefined at its end. */
  peek(): string | undefined {
    return this.#text[this.#pos];
  }

  /** The next `n` characters of the current line (fewer at its end), without reading them. */
  peekText(n: number): string {
    return this.#text.slice(this.#pos, this.#pos + n);
  }

  /** True when `text` follows (case-insensitive), without reading it. */
  lookingAt(text: string): boolean {
    return this.#text.slice(this.#pos, this.#pos + text.length).toUpperCase() === text.toUpperCase();
  }

  /** Throws a {@link ParseError}. */
  fail(message: string): never {
    throw new ParseError(message);
  }

  /** Reads `text` (case-insensitive) or fails. */
  expect(text: string, what = `"${text}"`): void {
    if (!this.lookingAt(text)) this.fail(`Expected ${what}`);
    this.#pos += text.length;
  }

  /** Reads `text` (case-insensitive) if it follows. */
  accept(text: string): boolean {
    if (!this.lookingAt(text)) return false;
    this.#pos += text.length;
    return true;
  }

  /** RFC 9051 §9 SP (one or more spaces, as Dovecot accepts). */
  SP(): void {
    if (!this.acceptSP()) this.fail('Expected a space');
  }

  /** Reads spaces if any follow. */
  acceptSP(): boolean {
    const s = sticky(SPACES, this.#text, this.#pos);
    if (s === undefined) return false;
    this.#pos += s.length;
    return true;
  }

  /** True at the end of the command (trailing spaces aside). */
  atEnd(): boolean {
    const text = this.#text;
    let p = this.#pos;
    while (text[p] === ' ') p++;
    return p === text.length && this.#line === this.#lines.length - 1;
  }

  /** Reads the end of the command (CRLF), or fails on anything left. */
  end(): void {
    if (!this.atEnd()) this.fail('Unexpected characters at the end of the command');
    this.#pos = this.#text.length;
  }

  /** True when the next character is a space followed by more arguments. */
  moreArgs(): boolean {
    return this.peek() === ' ' && !this.atEnd();
  }

  /** Enters a nested list or search key, failing beyond the depth limit. */
  enter(): void {
    if (++this.#depth > this.limits.maxDepth) this.fail('Too deeply nested');
  }

  leave(): void {
    this.#depth--;
  }

  /** RFC 9051 §9 `atom = 1*ATOM-CHAR`. */
  atom(what = 'an atom'): string {
    const a = sticky(ATOM, this.#text, this.#pos);
    if (a === undefined) this.fail(`Expected ${what}`);
    this.#pos += a.length;
    return a;
  }

  /** Reads a run of characters matching the sticky `re`, or fails. */
  match(re: RegExp, what: string): string {
    const m = sticky(re, this.#text, this.#pos);
    if (m === undefined || m === '') this.fail(`Expected ${what}`);
    this.#pos += m.length;
    return m;
  }

  /** Reads the characters matching the sticky `re` if any follow. */
  tryMatch(re: RegExp): string | undefined {
    const m = sticky(re, this.#text, this.#pos);
    if (m !== undefined) this.#pos += m.length;
    return m;
  }

  /** RFC 9051 §9 `number` (unsigned 32-bit). */
  number(what = 'a number'): number {
    const d = this.match(DIGITS, what);
    const n = Number(d);
    if (d.replace(/^0+(?=.)/, '').length > 10 || n > 0xffffffff) this.fail(`Number out of range: ${what}`);
    return n;
  }

  /** RFC 9051 §9 `nz-number = digit-nz *DIGIT` (1 to 2^32-1, no leading zero). */
  nzNumber(what = 'a non-zero number'): number {
    if (this.peek() === '0') this.fail(`Expected ${what}`);
    return this.number(what);
  }

  /**
   * RFC 9051 §9 `number64` (0 to 2^63-1). Values past 2^53-1 are clamped to it (a size or offset
   * that large means "beyond anything"), so callers always get a safe integer.
   */
  number64(what = 'a number'): number {
    const n = this.bigNumber(what);
    return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
  }

  /** RFC 7162 §7 `mod-sequence-value` (1 to 2^63-1), or with `allowZero` `mod-sequence-valzer`. */
  modSequence(allowZero: boolean, what = 'a mod-sequence'): bigint {
    const n = this.bigNumber(what);
    if (n === 0n && !allowZero) this.fail(`Expected ${what}`);
    return n;
  }

  bigNumber(what: string): bigint {
    const d = this.match(DIGITS, what);
    if (d.replace(/^0+(?=.)/, '').length > 19) this.fail(`Number out of range: ${what}`);
    const n = BigInt(d);
    if (n > 0x7fffffffffffffffn) this.fail(`Number out of range: ${what}`);
    return n;
  }

  /** RFC 9051 §9 `quoted`: the octets between the quotes, `\"` and `\\` unescaped. */
  quoted(): Buffer {
    const text = this.#text;
    let p = this.#pos + 1;
    let out = '';
    for (;;) {
      const ch = text[p];
      if (ch === undefined) this.fail('Unterminated quoted string');
      if (ch === '"') break;
      if (ch === '\\') {
        const next = text[p + 1];
        if (next !== '"' && next !== '\\') this.fail('Invalid escape in quoted string');
        out += next;
        p += 2;
        continue;
      }
      if (ch === '\r' || ch === '\n' || ch === '\0') this.fail('Invalid character in quoted string');
      out += ch;
      p++;
    }
    this.#pos = p + 1;
    return Buffer.from(out, 'latin1');
  }

  /**
   * RFC 9051 §9 `literal` (or with `binary` allowed, `literal8`): the marker must end the line,
   * and its octets are the unit's next literal. A `literal` may not contain NUL unless
   * `allowNul` (APPEND data, see `./append.ts`).
   */
  literal(options: { binary?: boolean; allowNul?: boolean } = {}): Literal {
    const text = this.#text;
    const rest = Buffer.from(text.slice(this.#pos), 'latin1');
    const marker = findLiteralMarker(rest);
    const lit = this.#literals[this.#line];
    if (marker === null || marker.length !== rest.length || lit === undefined) this.fail('Invalid literal');
    if (marker.binary && !options.binary) this.fail('literal8 not allowed here');
    if (!marker.binary && !options.allowNul && lit.data.includes(0)) this.fail('NUL in literal');
    this.#line++;
    this.#pos = 0;
    return lit;
  }

  /** RFC 9051 §9 `string = quoted / literal`, as octets. */
  string(what = 'a string'): Buffer {
    const ch = this.peek();
    if (ch === '"') return this.quoted();
    if (ch === '{') return this.literal().data;
    this.fail(`Expected ${what}`);
  }

  /** RFC 9051 §9 `astring = 1*ASTRING-CHAR / string`, as octets. */
  astring(what = 'a string'): Buffer {
    const ch = this.peek();
    if (ch === '"' || ch === '{') return this.string(what);
    const a = sticky(ASTRING, this.#text, this.#pos);
    if (a === undefined) this.fail(`Expected ${what}`);
    this.#pos += a.length;
    return Buffer.from(a, 'latin1');
  }

  /** RFC 9051 §9 `nstring = string / nil`: null for NIL. */
  nstring(what = 'a string or NIL'): Buffer | null {
    const ch = this.peek();
    if (ch === '"' || ch === '{') return this.string(what);
    if (this.accept('NIL')) return null;
    this.fail(`Expected ${what}`);
  }

  /** RFC 9051 §9 `list-mailbox = 1*list-char / string`, as octets. */
  listMailbox(): Buffer {
    const ch = this.peek();
    if (ch === '"' || ch === '{') return this.string('a mailbox pattern');
    return Buffer.from(this.match(LIST_CHARS, 'a mailbox pattern'), 'latin1');
  }

  /** Decodes octets as UTF-8 strictly, or fails naming `what`. */
  utf8(bytes: Uint8Array, what: string): string {
    const s = decodeUtf8Strict(bytes);
    if (s === undefined) this.fail(`${what} is not valid UTF-8`);
    return s;
  }

  /**
   * Reads `(` item *(SP item) `)` calling `item` for each, within the depth limit; `allowEmpty`
   * accepts `()`.
   */
  list<T>(item: () => T, allowEmpty: boolean, what: string): T[] {
    this.expect('(', `"(" before ${what}`);
    this.enter();
    const out: T[] = [];
    this.acceptSP();
    if (this.peek() !== ')') {
      out.push(item());
      while (this.acceptSP()) {
        if (this.peek() === ')') break;
        out.push(item());
      }
    }
    this.expect(')', `")" after ${what}`);
    this.leave();
    if (out.length === 0 && !allowEmpty) this.fail(`Empty ${what}`);
    return out;
  }
}
