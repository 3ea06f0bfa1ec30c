/**
 * Content-Type (RFC 2045 §5.1), Content-Disposition (RFC 2183), Content-Transfer-Encoding
 * (RFC 2045 §6.1) and Content-Language (RFC 3282) values.
 *
 * Parameters are kept as sent, for IMAP BODYSTRUCTURE (RFC 9051 §7.5.2 body-fld-param): names
 * lower-cased, values unquoted with quoted-pairs resolved, comments dropped, RFC 2231
 * continuations merged into one parameter as Dovecot does (`rfc2231.ts`); RFC 2231 and RFC 2047
 * values are not decoded here (`paramValue` in `rfc2231.ts` decodes them).
 *
 * Tolerant of what real mail contains: missing or doubled semicolons, unquoted values with spaces
 * or tspecials (`name=My File.pdf`, `boundary=----=_Part_1`), white space around `=`, unterminated
 * quotes, 8-bit bytes.
 */

import { atEnd, type Cursor, cursor, isWsp, quotedString, skipCfws } from './lexer.ts';
import { mergeContinuations } from './rfc2231.ts';
import type { Disposition, MimeParam } from './types.ts';

/** A parsed Content-Type value. */
export interface ContentType {
  /** Lower-cased media type. */
  type: string;
  /** Lower-cased subtype. */
  subtype: string;
  params: MimeParam[];
  /** False when the value was syntactically invalid and the default was used instead. */
  valid: boolean;
}

/** Which default applies where Content-Type is missing or invalid. */
export type ContentTypeDefault = 'text' | 'digest';

/**
 * The default Content-Type: text/plain; charset=us-ascii (RFC 2045 §5.2), or message/rfc822 for
 * the body parts of a multipart/digest (RFC 2046 §5.1.5).
 */
export function defaultContentType(context: ContentTypeDefault = 'text'): ContentType {
  return context === 'digest'
    ? { type: 'message', subtype: 'rfc822', params: [], valid: true }
    : { type: 'text', subtype: 'plain', params: [['charset', 'us-ascii']], valid: true };
}

/**
 * Parses an unfolded Content-Type value (RFC 2045 §5.1). A value without a `type "/" subtype`
 * made of tokens is invalid and yields the default for `context` with `valid: false`
 * (RFC 2045 §5.2). A text/* type without a charset parameter gets `charset=us-ascii`
 * (RFC 2046 §4.1.2). Never throws.
 */
export function parseContentType(value: string, context: ContentTypeDefault = 'text'): ContentType {
  const c = cursor(value);
  skipCfws(c);
  const type = token(c).toLowerCase();
  skipCfws(c);
  let subtype = '';
  if (c.s[c.i] === '/') {
    c.i++;
    skipCfws(c);
    subtype = token(c).toLowerCase();
  }
  if (type === '' || subtype === '') return { ...defaultContentType(context), valid: false };
  const params = parseParams(c);
  if (type === 'text' && !params.some(([name]) => name === 'charset' || name === 'charset*')) {
    params.push(['charset', 'us-ascii']);
  }
  return { type, subtype, params, valid: true };
}

/**
 * Parses an unfolded Content-Disposition value (RFC 2183 §2): the disposition type lower-cased and
 * its parameters. Returns undefined when there is no type token.
 */
export function parseContentDisposition(value: string): Disposition | undefined {
  const c = cursor(value);
  skipCfws(c);
  const type = token(c).toLowerCase();
  if (type === '') return undefined;
  return { type, params: parseParams(c) };
}

/**
 * Parses a Content-Transfer-Encoding value (RFC 2045 §6.1 `mechanism`) to a lower-cased token;
 * undefined when the value does not start with a token (the encoding is then 7bit).
 */
export function parseTransferEncoding(value: string): string | undefined {
  const c = cursor(value);
  skipCfws(c);
  const mechanism = token(c).toLowerCase();
  return mechanism === '' ? undefined : mechanism;
}

/** Parses a Content-Language value (RFC 3282 §2): the comma-separated tags, CFWS removed. */
export function parseContentLanguage(value: string): string[] {
  const tags: string[] = [];
  const c = cursor(value);
  while (!atEnd(c)) {
    skipCfws(c);
    const tag = token(c);
    if (tag !== '') tags.push(tag);
    skipCfws(c);
    if (c.s[c.i] === ',') c.i++;
    else if (tag === '' && !atEnd(c)) c.i++; // garbage: step over it
  }
  return tags;
}

/** Looks a parameter up by name (case-insensitive); the first one wins. */
export function getParam(params: readonly MimeParam[], name: string): string | undefined {
  const key = name.toLowerCase();
  for (const [n, v] of params) if (n === key) return v;
  return undefined;
}

/** RFC 2045 §5.1 tspecials, plus SP and the CTLs, end a token. 8-bit characters are accepted. */
function isTokenChar(ch: string): boolean {
  const code = ch.charCodeAt(0);
  if (code <= 0x20 || code === 0x7f) return false;
  return '()<>@,;:\\"/[]?='.indexOf(ch) === -1;
}

/** RFC 2045 §5.1 `token`; empty when none is at the cursor. */
function token(c: Cursor): string {
  const from = c.i;
  while (c.i < c.s.length && isTokenChar(c.s[c.i]!)) c.i++;
  return c.s.slice(from, c.i);
}

/** RFC 2045 §5.1 `*(";" parameter)`, tolerant, then RFC 2231 continuations merged. */
function parseParams(c: Cursor): MimeParam[] {
  const raw: MimeParam[] = [];
  while (!atEnd(c)) {
    skipCfws(c);
    if (atEnd(c)) break;
    if (c.s[c.i] === ';') {
      c.i++;
      continue;
    }
    const name = token(c).toLowerCase();
    skipCfws(c);
    if (name === '' || c.s[c.i] !== '=') {
      skipToSemicolon(c);
      continue;
    }
    c.i++;
    skipCfws(c);
    raw.push([name, paramValue(c)]);
  }
  return mergeContinuations(raw);
}

/**
 * RFC 2045 §5.1 `value := token / quoted-string`, leniently: an unquoted value runs to the next
 * `;`, white space or comment; text that follows before the next `;` is appended (joined by one
 * space) unless it starts another `attribute=` (a missing semicolon).
 */
function paramValue(c: Cursor): string {
  let value: string;
  let quoted = false;
  if (c.s[c.i] === '"') {
    value = quotedString(c);
    quoted = true;
  } else {
    value = run(c);
  }
  for (;;) {
    const spaced = skipCfws(c);
    if (atEnd(c) || c.s[c.i] === ';' || startsParam(c)) return value;
    if (c.s[c.i] === '"') {
      const more = quotedString(c);
      if (!quoted) value += (spaced ? ' ' : '') + more;
    } else {
      const more = run(c);
      if (!quoted) value += (spaced ? ' ' : '') + more;
      if (more === '') c.i++; // a stray character that starts nothing
    }
  }
}

/** An unquoted run: up to `;`, `"`, `(` or white space. */
function run(c: Cursor): string {
  const from = c.i;
  for (; c.i < c.s.length; c.i++) {
    const ch = c.s[c.i];
    if (ch === ';' || ch === '"' || ch === '(' || isWsp(ch)) break;
  }
  return c.s.slice(from, c.i);
}

/** True when the cursor is at `token *WSP "="`, the start of another parameter. */
function startsParam(c: Cursor): boolean {
  let i = c.i;
  while (i < c.s.length && isTokenChar(c.s[i]!)) i++;
  if (i === c.i) return false;
  while (i < c.s.length && isWsp(c.s[i])) i++;
  return c.s[i] === '=';
}

/** Skips to the next `;` outside quoted strings and comments. */
function skipToSemicolon(c: Cursor): void {
  while (!atEnd(c)) {
    const ch = c.s[c.i];
    if (ch === ';') return;
    if (ch === '"') quotedString(c);
    else if (ch === '(') skipCfws(c);
    else c.i++;
  }
}
