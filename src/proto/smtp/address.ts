/**
 * SMTP envelope addresses: RFC 5321 §4.1.2 `Reverse-path`, `Forward-path`, `Mailbox`, `Local-part`,
 * with RFC 6531 §3.3 UTF-8 when `smtputf8` is set, and the size limits of RFC 5321 §4.5.3.1.
 * Pure: strings in, typed values or a reason out; nothing here throws on client input.
 */
import { type GrammarOptions, type ScanResult, scanDomainOrLiteral } from './domain.ts';

/**
 * An envelope mailbox.
 * - `localPart`: as the client meant it, i.e. decoded from a Quoted-string (quotes and backslashes
 *   removed); case is kept (RFC 5321 §2.4: local parts are case-sensitive).
 * - `domain`: lower-cased, IDN U-labels converted to A-labels, or an address literal kept as
 *   `[192.0.2.1]` / `[IPv6:2001:db8::1]`.
 */
export interface Mailbox {
  readonly localPart: string;
  readonly domain: string;
}

/** A forward path: a mailbox, or the special `<Postmaster>` without a domain (RFC 5321 §4.1.1.3). */
export type ForwardPath = Mailbox | 'postmaster';

/** RFC 5321 §4.5.3.1.1: the maximum total length of a local part is 64 octets. */
export const MAX_LOCAL_PART_OCTETS = 64;
/** RFC 5321 §4.5.3.1.3: the maximum total length of a path, with its punctuation, is 256 octets. */
export const MAX_PATH_OCTETS = 256;

export type { GrammarOptions, ScanResult } from './domain.ts';

/** The outcome of parsing a whole string: the value, or a reason that never echoes the input. */
export type AddressResult<T> = { ok: true; value: T } | { ok: false; reason: string };

// RFC 5322 §3.2.3 atext: ALPHA / DIGIT / "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "/" /
// "=" / "?" / "^" / "_" / "`" / "{" / "|" / "}" / "~"
const ATEXT_SPECIALS = "!#$%&'*+-/=?^_`{|}~";

function isAtextCode(c: number, utf8: boolean): boolean {
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return true;
  if (c >= 0x80) return utf8; // RFC 6531 §3.3: atext =/ UTF8-non-ascii
  return ATEXT_SPECIALS.includes(String.fromCharCode(c));
}

/** RFC 5321 §4.1.2 qtextSMTP = %d32-33 / %d35-91 / %d93-126 (RFC 6531 §3.3: =/ UTF8-non-ascii). */
function isQtextSmtpCode(c: number, utf8: boolean): boolean {
  if (c >= 0x80) return utf8;
  return c === 32 || c === 33 || (c >= 35 && c <= 91) || (c >= 93 && c <= 126);
}

function octets(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * RFC 5321 §4.1.2 `Dot-string = Atom *("." Atom)`: true when `s` can be written without quotes.
 * With `utf8`, non-ASCII characters count as atext (RFC 6531 §3.3).
 */
export function isDotString(s: string, utf8 = true): boolean {
  if (s.length === 0) return false;
  let prevDot = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (prevDot) return false;
      prevDot = true;
    } else if (isAtextCode(c, utf8)) prevDot = false;
    else return false;
  }
  return !prevDot;
}

/**
 * RFC 5321 §4.1.2 `Local-part = Dot-string / Quoted-string`, scanned from `pos`. The value is the
 * decoded local part; the local part as written may not exceed 64 octets (§4.5.3.1.1).
 */
export function scanLocalPart(input: string, pos: number, opts: GrammarOptions = {}): ScanResult<string> {
  const utf8 = opts.smtputf8 === true;
  let end = pos;
  let value: string;
  if (input[pos] === '"') {
    // Quoted-string = DQUOTE *QcontentSMTP DQUOTE; quoted-pairSMTP = %d92 %d32-126
    let out = '';
    end = pos + 1;
    for (;;) {
      if (end >= input.length) return { ok: false, reason: 'unterminated quoted string' };
      const c = input.charCodeAt(end);
      if (c === 0x22) break;
      if (c === 0x5c) {
        const n = input.charCodeAt(end + 1);
        if (!(n >= 32 && n <= 126)) return { ok: false, reason: 'invalid quoted pair' };
        out += input[end + 1];
        end += 2;
      } else if (isQtextSmtpCode(c, utf8)) {
        out += input[end];
        end++;
      } else {
        return {
          ok: false,
          reason: c >= 0x80 ? '8-bit local part without SMTPUTF8' : 'invalid character in quoted string',
        };
      }
    }
    end++;
    value = out;
  } else {
    while (end < input.length) {
      const c = input.charCodeAt(end);
      if (c === 0x2e || isAtextCode(c, utf8)) end++;
      else break;
    }
    value = input.slice(pos, end);
    if (!isDotString(value, utf8)) {
      if (!utf8 && input.charCodeAt(end) >= 0x80)
        return { ok: false, reason: '8-bit local part without SMTPUTF8' };
      return { ok: false, reason: 'invalid local part' };
    }
  }
  if (octets(input.slice(pos, end)) > MAX_LOCAL_PART_OCTETS)
    return { ok: false, reason: 'local part too long' };
  return { ok: true, value, end };
}

/** RFC 5321 §4.1.2 `Mailbox = Local-part "@" ( Domain / address-literal )`, scanned from `pos`. */
export function scanMailbox(input: string, pos: number, opts: GrammarOptions = {}): ScanResult<Mailbox> {
  const local = scanLocalPart(input, pos, opts);
  if (!local.ok) return local;
  if (input[local.end] !== '@') return { ok: false, reason: 'missing @ in mailbox' };
  const domain = scanDomainOrLiteral(input, local.end + 1, opts);
  if (!domain.ok) return domain;
  return { ok: true, value: { localPart: local.value, domain: domain.value }, end: domain.end };
}

/** RFC 5321 §4.1.2 `A-d-l = At-domain *( "," At-domain ) ":"`: a source route, accepted and ignored (§4.1.1.3, Appendix C). */
function scanSourceRoute(input: string, pos: number, opts: GrammarOptions): ScanResult<null> {
  let p = pos;
  for (;;) {
    if (input[p] !== '@') return { ok: false, reason: 'invalid source route' };
    const d = scanDomainOrLiteral(input, p + 1, opts);
    if (!d.ok) return { ok: false, reason: 'invalid source route' };
    p = d.end;
    if (input[p] === ',') p++;
    else if (input[p] === ':') return { ok: true, value: null, end: p + 1 };
    else return { ok: false, reason: 'invalid source route' };
  }
}

/** RFC 5321 §4.1.2 `Path = "<" [ A-d-l ":" ] Mailbox ">"`, scanned from `pos`. */
function scanPathBody(input: string, pos: number, opts: GrammarOptions): ScanResult<Mailbox> {
  let p = pos + 1;
  if (input[p] === '@') {
    const route = scanSourceRoute(input, p, opts);
    if (!route.ok) return route;
    p = route.end;
  }
  const mailbox = scanMailbox(input, p, opts);
  if (!mailbox.ok) return mailbox;
  if (input[mailbox.end] !== '>') return { ok: false, reason: 'invalid mailbox' };
  return { ok: true, value: mailbox.value, end: mailbox.end + 1 };
}

function checkPathLength<T>(input: string, pos: number, r: ScanResult<T>): ScanResult<T> {
  if (r.ok && octets(input.slice(pos, r.end)) > MAX_PATH_OCTETS)
    return { ok: false, reason: 'path too long' };
  return r;
}

/**
 * RFC 5321 §4.1.2 `Reverse-path = Path / "<>"`, scanned from `pos` (which must be at `<`).
 * The null path `<>` gives `null`. Source routes are skipped. Paths longer than 256 octets fail.
 */
export function scanReversePath(
  input: string,
  pos: number,
  opts: GrammarOptions = {},
): ScanResult<Mailbox | null> {
  if (input[pos] !== '<') return { ok: false, reason: 'path must be enclosed in <>' };
  if (input[pos + 1] === '>') return { ok: true, value: null, end: pos + 2 };
  return checkPathLength(input, pos, scanPathBody(input, pos, opts));
}

/**
 * RFC 5321 §4.1.2 `Forward-path = Path`, plus `<Postmaster>` without a domain (§4.1.1.3,
 * case-insensitive), which gives `'postmaster'`. Scanned from `pos` (which must be at `<`).
 */
export function scanForwardPath(
  input: string,
  pos: number,
  opts: GrammarOptions = {},
): ScanResult<ForwardPath> {
  if (input[pos] !== '<') return { ok: false, reason: 'path must be enclosed in <>' };
  if (input.slice(pos, pos + 12).toLowerCase() === '<postmaster>')
    return { ok: true, value: 'postmaster', end: pos + 12 };
  if (input[pos + 1] === '>') return { ok: false, reason: 'empty forward path' };
  return checkPathLength(input, pos, scanPathBody(input, pos, opts));
}

function whole<T>(text: string, r: ScanResult<T>): AddressResult<T> {
  if (!r.ok) return r;
  if (r.end !== text.length) return { ok: false, reason: 'unexpected characters after address' };
  return { ok: true, value: r.value };
}

/** Parses a whole string as a `Mailbox` (`local@domain`, no angle brackets). */
export function parseMailbox(text: string, opts: GrammarOptions = {}): AddressResult<Mailbox> {
  return whole(text, scanMailbox(text, 0, opts));
}

/** Parses a whole string as a `Reverse-path` (`<local@domain>` or `<>`). */
export function parseReversePath(text: string, opts: GrammarOptions = {}): AddressResult<Mailbox | null> {
  return whole(text, scanReversePath(text, 0, opts));
}

/** Parses a whole string as a `Forward-path` (`<local@domain>` or `<Postmaster>`). */
export function parseForwardPath(text: string, opts: GrammarOptions = {}): AddressResult<ForwardPath> {
  return whole(text, scanForwardPath(text, 0, opts));
}

/**
 * Writes a local part in its shortest RFC 5321 form: as is when it is a Dot-string, otherwise as
 * a Quoted-string with `"` and `\` escaped. Throws RangeError for control characters, which no
 * SMTP syntax can carry (a parsed local part never contains them).
 */
export function formatLocalPart(localPart: string): string {
  if (isDotString(localPart)) return localPart;
  if (/[\x00-\x1f\x7f]/.test(localPart)) throw new RangeError('local part contains a control character');
  return `"${localPart.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Formats a mailbox as `local@domain`, quoting the local part when it is not a Dot-string. */
export function formatMailbox(mailbox: Mailbox): string {
  return `${formatLocalPart(mailbox.localPart)}@${mailbox.domain}`;
}

/** Formats a path for MAIL FROM / RCPT TO: `<local@domain>`, `<>` for null, `<Postmaster>`. */
export function formatPath(path: Mailbox | ForwardPath | null): string {
  if (path === null) return '<>';
  if (path === 'postmaster') return '<Postmaster>';
  return `<${formatMailbox(path)}>`;
}

/**
 * True when the mailbox can only be sent to a server that offers SMTPUTF8 (RFC 6531 §3.4): its
 * local part has non-ASCII characters. Domains are always kept as A-labels, so they never need it.
 */
export function needsSmtputf8(mailbox: Mailbox): boolean {
  return /[^\x00-\x7f]/.test(mailbox.localPart);
}
