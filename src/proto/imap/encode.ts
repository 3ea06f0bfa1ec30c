/**
 * The IMAP response encoder: typed response data ({@link ImapValue}) and status responses to
 * the octets sent to the client (RFC 9051 §4 data formats, §7 responses, §9 `response`).
 *
 * Strings (RFC 9051 §4.3): a JavaScript string or a Buffer is sent as a quoted string when it
 * can be one, otherwise as a literal `{n}` CRLF octets:
 * - quoted needs no CR, LF or NUL (RFC 9051 §9 `QUOTED-CHAR`), `"` and `\` being escaped;
 * - 8-bit text is quoted only when it is UTF-8 and the client may read it (`utf8`: IMAP4rev2 or
 *   UTF8=ACCEPT enabled, RFC 9051 §9 `QUOTED-CHAR` =/ UTF8-2…; RFC 6855 §3); an IMAP4rev1
 *   client gets it as a literal (RFC 3501 §4.3: quoted strings are 7-bit);
 * - very long text is a literal (clients cap their line lengths); a Buffer (message data) is a
 *   literal unless it is short 7-bit text.
 * Strings are never sent as atoms: in `string` and `nstring` positions an atom is not allowed
 * and `NIL` would read as nil. For `astring` positions (mailbox names) use {@link astring}.
 */

import { isUtf8 } from 'node:buffer';
import { type ImapAtom, type ImapValue, isAtom, isLiteral8 } from './value.ts';

/** How to encode: `utf8` when the client enabled IMAP4rev2 or UTF8=ACCEPT. */
export interface EncodeOptions {
  readonly utf8: boolean;
}

/** Longest text sent as a quoted string; longer text is a literal. */
export const MAX_QUOTED = 1024;

/** Octets that keep a string out of quotes: NUL, CR, LF (RFC 9051 §9 `QUOTED-CHAR`). */
function hasLineBreakOrNul(bytes: Uint8Array): boolean {
  return bytes.includes(0x00) || bytes.includes(0x0d) || bytes.includes(0x0a);
}

function hasEightBit(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b >= 0x80) return true;
  return false;
}

/** RFC 9051 §9 `quoted`, escaping `"` and `\` (`quoted-specials`). */
function quoted(bytes: Buffer): Buffer {
  let escapes = 0;
  for (const b of bytes) if (b === 0x22 || b === 0x5c) escapes++;
  const out = Buffer.allocUnsafe(bytes.length + escapes + 2);
  let o = 0;
  out[o++] = 0x22;
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) out[o++] = 0x5c;
    out[o++] = b;
  }
  out[o++] = 0x22;
  return out;
}

/** RFC 9051 §9 `literal` as the server sends it: `{n}` CRLF octets (never `{n+}`). */
export function encodeLiteral(data: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`{${data.length}}\r\n`), data]);
}

/**
 * RFC 3516 §4.2 / RFC 9051 §9 `literal8` (`~{n}` CRLF octets), for BINARY fetch data that
 * contains NUL. {@link encodeValue} never chooses it by itself: it sends one only for an
 * `ImapLiteral8` value, which only the BINARY response builds.
 */
export function encodeLiteral8(data: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`~{${data.length}}\r\n`), data]);
}

/**
 * A string's octets as quoted string or literal (see the module comment); `allowUtf8` lets
 * well-formed UTF-8 be quoted for a UTF-8 client.
 */
function encodeOctets(bytes: Buffer, maxQuoted: number, allowUtf8: boolean): Buffer {
  const quotable =
    bytes.length <= maxQuoted &&
    !hasLineBreakOrNul(bytes) &&
    (hasEightBit(bytes) ? allowUtf8 && isUtf8(bytes) : true);
  return quotable ? quoted(bytes) : encodeLiteral(bytes);
}

/** RFC 9051 §9 `string` for UTF-8 text: quoted or literal. */
export function encodeString(text: string, opts: EncodeOptions): Buffer {
  return encodeOctets(Buffer.from(text.toWellFormed(), 'utf8'), MAX_QUOTED, opts.utf8);
}

/** 7-bit text that can be quoted as it is: no NUL, CR or LF (RFC 9051 §9 `QUOTED-CHAR`). */
const QUOTABLE_ASCII = /^[\x01-\x09\x0b\x0c\x0e-\x7f]*$/;
const QUOTED_SPECIALS = /["\\]/g;

/**
 * Collects encoded output: text (as UTF-8 to be) and octets, in order, turned into one Buffer at
 * the end. Encoding to a string first avoids a Buffer per token; octets (literals of message data)
 * are kept as they are.
 */
export class ResponseSink {
  #text = '';
  #chunks: Buffer[] = [];
  #size = 0;

  /** Appends text, sent as UTF-8. */
  text(text: string): void {
    this.#text += text;
  }

  /** Appends octets as they are. */
  bytes(data: Buffer): void {
    this.#flushText();
    this.#chunks.push(data);
    this.#size += data.length;
  }

  /** Everything appended so far, as one Buffer; the sink is empty afterwards. */
  take(): Buffer {
    this.#flushText();
    const out = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#size);
    this.#chunks = [];
    this.#size = 0;
    return out;
  }

  /**
   * Everything appended so far as text, when no octets were appended (the sink is then empty
   * afterwards); undefined, leaving the sink as it is, otherwise.
   */
  takeText(): string | undefined {
    if (this.#chunks.length > 0) return undefined;
    const text = this.#text;
    this.#text = '';
    return text;
  }

  #flushText(): void {
    if (this.#text === '') return;
    const data = Buffer.from(this.#text, 'utf8');
    this.#text = '';
    this.#chunks.push(data);
    this.#size += data.length;
  }
}

const LINE_BREAK_OR_NUL = /[\x00\r\n]/;
const SEVEN_BIT = /^[\x00-\x7f]*$/;

/**
 * {@link encodeString} into a sink, as text: 7-bit quotable text is quoted as it is; otherwise the
 * same choice is made on the string's UTF-8 length and characters (its well-formed UTF-8 is what
 * the octets would be), without building them.
 */
function stringInto(text: string, opts: EncodeOptions, out: ResponseSink): void {
  if (text.length <= MAX_QUOTED && QUOTABLE_ASCII.test(text)) {
    out.text(`"${text.replace(QUOTED_SPECIALS, '\\$&')}"`);
    return;
  }
  const wellFormed = text.toWellFormed();
  const length = Buffer.byteLength(wellFormed, 'utf8');
  const quotable =
    length <= MAX_QUOTED && !LINE_BREAK_OR_NUL.test(wellFormed) && (opts.utf8 || SEVEN_BIT.test(wellFormed));
  out.text(quotable ? `"${wellFormed.replace(QUOTED_SPECIALS, '\\$&')}"` : `{${length}}\r\n${wellFormed}`);
}

const ATOM = /^[^\x00-\x20\x7f-\uffff(){%*"\\\]]+$/;

/**
 * A value for an `astring` position (RFC 9051 §9 `astring = 1*ASTRING-CHAR / string`, e.g.
 * mailbox names in LIST and STATUS): an atom when `text` is one (and is not `NIL`, which would
 * read as nil in a nstring position), the string otherwise.
 */
export function astring(text: string): ImapValue {
  return ATOM.test(text) && text.toUpperCase() !== 'NIL' ? { atom: text } : text;
}

const BAD_ATOM = /[\x00\r\n]/;

/** An atom's text; CR, LF and NUL are refused (they would split or corrupt the response). */
function atomText(value: ImapAtom): string {
  if (value.atom === '' || BAD_ATOM.test(value.atom)) {
    throw new TypeError(`Invalid IMAP atom ${JSON.stringify(value.atom)}`);
  }
  return value.atom;
}

function numberText(n: number | bigint): string {
  if (typeof n === 'number' && (!Number.isSafeInteger(n) || n < 0)) {
    throw new TypeError(`Invalid IMAP number ${n}`);
  }
  if (typeof n === 'bigint' && n < 0n) throw new TypeError(`Invalid IMAP number ${n}`);
  return String(n);
}

function collect(value: ImapValue, opts: EncodeOptions, out: ResponseSink): void {
  if (value === null) {
    out.text('NIL');
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    out.text(numberText(value));
  } else if (typeof value === 'string') {
    stringInto(value, opts, out);
  } else if (Buffer.isBuffer(value)) {
    // Message data is always a literal, as Dovecot and Cyrus send it: clients such as curl and
    // Python's imaplib expect a literal for a body section, however short.
    out.text(`{${value.length}}\r\n`);
    out.bytes(value);
  } else if (Array.isArray(value)) {
    // The lists a list starts with are written back to back, as the grammar has them for the
    // parts of a multipart body and for address lists (RFC 9051 §9: body-type-mpart = 1*body SP
    // media-subtype; env-from = "(" 1*address ")"); every other item is separated by one space.
    out.text('(');
    let leadingLists = true;
    for (let i = 0; i < value.length; i++) {
      const item = value[i] as ImapValue;
      const isList = Array.isArray(item);
      if (i > 0 && !(leadingLists && isList)) out.text(' ');
      if (!isList) leadingLists = false;
      collect(item, opts, out);
    }
    out.text(')');
  } else if (isLiteral8(value as ImapValue)) {
    out.bytes(encodeLiteral8((value as { literal8: Buffer }).literal8));
  } else if (isAtom(value as ImapValue)) {
    out.text(atomText(value as ImapAtom));
  }
}

/**
 * Encodes one value (RFC 9051 §4): NIL, a number, a string (quoted or literal, see the module
 * comment), an atom as is, a list in parentheses with single spaces.
 *
 * @throws TypeError for values no well-behaved server sends: a negative, fractional or unsafe
 * number, an empty atom or one holding CR, LF or NUL.
 */
export function encodeValue(value: ImapValue, opts: EncodeOptions): Buffer {
  const out = new ResponseSink();
  collect(value, opts, out);
  return out.take();
}

/** {@link encodeValue} appended to a sink. */
export function encodeValueInto(value: ImapValue, opts: EncodeOptions, out: ResponseSink): void {
  collect(value, opts, out);
}

/** A response code (RFC 9051 §7.1 `resp-text-code`): `[NAME arg…]`, e.g. `[UIDNEXT 4392]`. */
export interface ResponseCode {
  readonly name: string;
  readonly args?: readonly ImapValue[];
}

/** A status response (RFC 9051 §7.1): kind, optional response code, human-readable text. */
export interface StatusResponse {
  readonly kind: 'OK' | 'NO' | 'BAD' | 'BYE' | 'PREAUTH';
  readonly code?: ResponseCode;
  readonly text: string;
}

const PLAIN_TEXT = /^[\x20-\x7e]*$/;

/**
 * RFC 9051 §9 `text`: no CR or LF (they are replaced by spaces); 8-bit only for UTF-8 clients
 * (IMAP4rev1 `TEXT-CHAR` is 7-bit: other characters become "?").
 */
function responseText(text: string, opts: EncodeOptions): string {
  if (PLAIN_TEXT.test(text)) return text;
  const line = text.toWellFormed().replace(/[\r\n\x00]/g, ' ');
  return opts.utf8 ? line : line.replace(/[^\x00-\x7f]/gu, '?');
}

/**
 * RFC 9051 §9 `resp-text = ["[" resp-text-code "]" SP] [text]`, then CRLF. Empty text with no
 * code is replaced by a word, since IMAP4rev1 requires text.
 */
function respTextInto(status: StatusResponse, opts: EncodeOptions, out: ResponseSink): void {
  const text = responseText(status.text, opts);
  if (status.code !== undefined) {
    out.text(`[${status.code.name}`);
    for (const arg of status.code.args ?? []) {
      out.text(' ');
      collect(arg, opts, out);
    }
    out.text(text === '' ? ']\r\n' : `] ${text}\r\n`);
  } else {
    out.text(text !== '' ? `${text}\r\n` : status.kind === 'OK' ? 'Completed\r\n' : 'Failed\r\n');
  }
}

/** A tagged status response (RFC 9051 §7.1 `response-tagged`): `tag OK|NO|BAD [code] text` CRLF. */
export function encodeTagged(
  tag: string,
  status: StatusResponse & { readonly kind: 'OK' | 'NO' | 'BAD' },
  opts: EncodeOptions,
): Buffer {
  const out = new ResponseSink();
  out.text(`${tag} ${status.kind} `);
  respTextInto(status, opts, out);
  return out.take();
}

/** An untagged status response (RFC 9051 §7.1): `* OK|NO|BAD|BYE|PREAUTH [code] text` CRLF. */
export function encodeUntaggedStatus(status: StatusResponse, opts: EncodeOptions): Buffer {
  const out = new ResponseSink();
  out.text(`* ${status.kind} `);
  respTextInto(status, opts, out);
  return out.take();
}

/**
 * Untagged response data (RFC 9051 §7.2–§7.5): `*`, the values separated by spaces, CRLF. For
 * example `[23, atom('EXISTS')]` gives `* 23 EXISTS`, and
 * `[atom('LIST'), [atom('\\HasNoChildren')], '/', astring('INBOX')]` a LIST response.
 */
export function encodeUntagged(data: readonly ImapValue[], opts: EncodeOptions): Buffer {
  const out = new ResponseSink();
  encodeUntaggedInto(data, opts, out);
  return out.take();
}

/** {@link encodeUntagged} appended to a sink, so that many responses become one Buffer. */
export function encodeUntaggedInto(data: readonly ImapValue[], opts: EncodeOptions, out: ResponseSink): void {
  out.text('*');
  for (const value of data) {
    out.text(' ');
    collect(value, opts, out);
  }
  out.text('\r\n');
}

/**
 * A command continuation request (RFC 9051 §7.6): `+ text` CRLF, or `+ base64` CRLF for an
 * AUTHENTICATE challenge given as octets (an empty challenge is `+ ` CRLF, RFC 9051 §6.2.2).
 */
export function encodeContinuation(text: string | Uint8Array = 'Ready'): Buffer {
  const body =
    typeof text === 'string' ? text.replace(/[\r\n\x00]/g, ' ') : Buffer.from(text).toString('base64');
  return Buffer.from(`+ ${body}\r\n`, 'utf8');
}
