/**
 * FETCH BODY and BODYSTRUCTURE (RFC 9051 §7.5.2, RFC 3501 §7.4.2) as typed response data, built
 * from the part tree the MIME indexer stored at delivery (no parsing here).
 *
 * Conventions, chosen where the RFCs leave a choice:
 * - media types, subtypes, parameter names, disposition types and transfer encodings are sent
 *   upper-case, as in the RFC 9051 examples (the index keeps them lower-cased, so the case the
 *   sender used is gone); parameter values are sent as stored;
 * - an empty parameter list is NIL, never `()` (clients reject `()` in body-fld-param);
 * - a missing Content-Transfer-Encoding is "7BIT" (RFC 2045 §6.1), never NIL;
 * - body-fld-lang is always a list; the single-part extension data is always written in full
 *   (md5, disposition, language, location), as Dovecot does.
 *
 * Odd shapes from the indexer:
 * - a multipart split with no child (no boundary line found, or its header cut short) is written
 *   as Dovecot writes it: with one empty text/plain child;
 * - a message/rfc822 part whose body was not parsed (a transfer encoding other than 7bit, 8bit or
 *   binary, or beyond the nesting limits) has no envelope to give: it is a basic type, as Dovecot
 *   writes an unparsed message part;
 * - a multipart without a usable boundary, or beyond the limits, is a leaf: a basic type with its
 *   declared type (`"MULTIPART" "ALTERNATIVE" …`) and its whole body as size;
 * - message/global is body-type-msg only for IMAP4rev2 sessions (RFC 9051 `media-message`); RFC
 *   3501 knows only MESSAGE/RFC822, so for IMAP4rev1 it is a basic type.
 */

import type { Disposition, MimeMessage, MimeParam, MimePart } from '../../../mime/types.ts';
import type { ImapValue } from '../value.ts';
import { envelope } from './envelope.ts';

/** Options of {@link body} and {@link bodyStructure}. */
export interface BodyOptions {
  /**
   * True when the session enabled IMAP4rev2: message/global parts are then written with their
   * envelope, body and lines (RFC 9051 `media-message`); otherwise as a basic type (RFC 3501).
   */
  imap4rev2?: boolean;
}

interface Context {
  readonly extensible: boolean;
  readonly imap4rev2: boolean;
}

/**
 * FETCH BODY: the body structure of `msg` without extension data (RFC 9051 §7.5.2 "BODY"), as
 * the list RFC 9051 §9 `body` describes. Never throws.
 */
export function body(msg: MimeMessage, options: BodyOptions = {}): readonly ImapValue[] {
  return bodyOf(msg.root, { extensible: false, imap4rev2: options.imap4rev2 === true });
}

/**
 * FETCH BODYSTRUCTURE: the body structure of `msg` with extension data (RFC 9051 §7.5.2
 * "BODYSTRUCTURE"), as the list RFC 9051 §9 `body` describes. Never throws.
 */
export function bodyStructure(msg: MimeMessage, options: BodyOptions = {}): readonly ImapValue[] {
  return bodyOf(msg.root, { extensible: true, imap4rev2: options.imap4rev2 === true });
}

/** RFC 9051 §9 `body = "(" (body-type-1part / body-type-mpart) ")"`. */
function bodyOf(part: MimePart, ctx: Context): readonly ImapValue[] {
  return part.children !== undefined ? bodyTypeMpart(part, part.children, ctx) : bodyType1part(part, ctx);
}

/**
 * RFC 9051 §9 `body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]`. A multipart
 * without children gets one empty text/plain child (there must be at least one body).
 */
function bodyTypeMpart(part: MimePart, children: readonly MimePart[], ctx: Context): readonly ImapValue[] {
  const out: ImapValue[] =
    children.length > 0 ? children.map((child) => bodyOf(child, ctx)) : [emptyBody(ctx)];
  out.push(upper(part.subtype));
  if (ctx.extensible) out.push(...bodyExtMpart(part));
  return out;
}

/**
 * RFC 9051 §9 `body-type-1part = (body-type-basic / body-type-msg / body-type-text)
 * [SP body-ext-1part]`.
 */
function bodyType1part(part: MimePart, ctx: Context): readonly ImapValue[] {
  const out: ImapValue[] = [upper(part.type), upper(part.subtype), ...bodyFields(part)];
  if (part.type === 'text') {
    // body-type-text = media-text SP body-fields SP body-fld-lines
    out.push(bodyFldLines(part));
  } else if (part.message !== undefined && isMessageType(part, ctx)) {
    // body-type-msg = media-message SP body-fields SP envelope SP body SP body-fld-lines
    out.push(envelope(part.message.envelope), bodyOf(part.message.root, ctx), bodyFldLines(part));
  }
  // Otherwise body-type-basic = media-basic SP body-fields.
  if (ctx.extensible) out.push(...bodyExt1part(part));
  return out;
}

/** Whether `part` (which holds a parsed message) is written as body-type-msg. */
function isMessageType(part: MimePart, ctx: Context): boolean {
  if (part.type !== 'message') return false;
  if (part.subtype === 'rfc822') return true;
  return part.subtype === 'global' && ctx.imap4rev2;
}

/**
 * RFC 9051 §9 `body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP
 * body-fld-octets`.
 */
function bodyFields(part: MimePart): ImapValue[] {
  return [
    bodyFldParam(part.params),
    part.id ?? null, // body-fld-id = nstring
    part.description ?? null, // body-fld-desc = nstring
    bodyFldEnc(part.encoding),
    bodyFldOctets(part),
  ];
}

/** RFC 9051 §9 `body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc …]]]`. */
function bodyExt1part(part: MimePart): ImapValue[] {
  return [part.md5 ?? null, bodyFldDsp(part.disposition), bodyFldLang(part.language), part.location ?? null];
}

/** RFC 9051 §9 `body-ext-mpart = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc …]]]`. */
function bodyExtMpart(part: MimePart): ImapValue[] {
  return [
    bodyFldParam(part.params),
    bodyFldDsp(part.disposition),
    bodyFldLang(part.language),
    part.location ?? null,
  ];
}

/**
 * RFC 9051 §9 `body-fld-param = "(" string SP string *(SP string SP string) ")" / nil`: the
 * parameters in header order, RFC 2231 continuations already merged by the indexer (§7.5.2).
 */
function bodyFldParam(params: readonly MimeParam[]): ImapValue {
  if (params.length === 0) return null;
  const out: ImapValue[] = [];
  for (const [name, value] of params) out.push(upper(name), value);
  return out;
}

/** RFC 9051 §9 `body-fld-dsp = "(" string SP body-fld-param ")" / nil` (RFC 2183). */
function bodyFldDsp(disposition: Disposition | undefined): ImapValue {
  return disposition === undefined ? null : [upper(disposition.type), bodyFldParam(disposition.params)];
}

/** RFC 9051 §9 `body-fld-lang = nstring / "(" string *(SP string) ")"` (RFC 3282). */
function bodyFldLang(language: readonly string[] | undefined): ImapValue {
  return language === undefined || language.length === 0 ? null : [...language];
}

/**
 * RFC 9051 §9 `body-fld-enc`: the Content-Transfer-Encoding token, "7BIT" when absent
 * (RFC 2045 §6.1); a string, never NIL.
 */
function bodyFldEnc(encoding: string | undefined): string {
  return encoding === undefined || encoding === '' ? '7BIT' : upper(encoding);
}

/** RFC 9051 §9 `body-fld-octets`: the size of the body as stored, in its transfer encoding. */
function bodyFldOctets(part: MimePart): number {
  return Math.max(0, part.bodyEnd - part.bodyStart);
}

/** RFC 9051 §9 `body-fld-lines`: the body's line count (text/*, message/rfc822, message/global). */
function bodyFldLines(part: MimePart): number {
  return part.bodyLines ?? 0;
}

/** The empty text/plain body Dovecot writes as the child of a multipart that has none. */
function emptyBody(ctx: Context): readonly ImapValue[] {
  const out: ImapValue[] = ['TEXT', 'PLAIN', ['CHARSET', 'us-ascii'], null, null, '7BIT', 0, 0];
  if (ctx.extensible) out.push(null, null, null, null);
  return out;
}

/**
 * Upper-cases the ASCII letters of a MIME token (type, subtype, parameter name, encoding) for the
 * response; other characters are left as they are.
 */
function upper(token: string): string {
  return token.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}
