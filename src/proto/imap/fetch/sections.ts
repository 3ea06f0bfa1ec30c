/**
 * FETCH BODY[section]<partial> (RFC 9051 §6.4.5, RFC 3501 §6.4.5): which bytes of the stored
 * message a section names, the HEADER.FIELDS / HEADER.FIELDS.NOT filter, and partial slicing.
 *
 * Part numbering follows `src/mime/section.ts`: the parts of a multipart are numbered from 1; a
 * message whose body is not a multipart has one part, 1, its body (so `1.MIME` is the message
 * header); a message/rfc822 or message/global part numbers the parts of the message it holds, and
 * `n.HEADER` / `n.TEXT` are that message's header and text.
 *
 * The session reads the bytes itself (from memory or the blob store): {@link planSection} says
 * which range and whether it needs filtering; {@link sectionBytes} does it all on an in-memory
 * message.
 */

import { parseHeaderBlock } from '../../../mime/header.ts';
import { type ByteRange, sectionRange } from '../../../mime/section.ts';
import type { MimeMessage } from '../../../mime/types.ts';

/** The section-text specifiers of RFC 9051 §9 `section-msgtext` and `section-text`. */
export type SectionKind = 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

/**
 * A parsed section specification (RFC 9051 §9 `section-spec`), the shape the FETCH parser
 * produces: `BODY[1.2.HEADER.FIELDS (From To)]` is
 * `{ part: [1, 2], kind: 'HEADER.FIELDS', fields: ['From', 'To'] }`, `BODY[]` is `{ part: [] }`.
 * `fields` is used with the HEADER.FIELDS kinds only (RFC 9051 §9 `header-list`).
 */
export interface SectionSpec {
  part: readonly number[];
  kind?: SectionKind;
  fields?: readonly string[];
}

/** A partial request, `<origin.count>` (RFC 9051 §9 `partial`): `count` octets from `origin`. */
export interface FetchPartial {
  origin: number;
  count: number;
}

/** HEADER.FIELDS (`not: false`) or HEADER.FIELDS.NOT (`not: true`) over a header's bytes. */
export interface HeaderFilter {
  fields: readonly string[];
  not: boolean;
}

/**
 * What to read for a section: `found: false` when the message has no such section (the session
 * answers NIL, RFC 9051 §9 `nstring`); otherwise the byte range of the raw message, and for the
 * HEADER.FIELDS kinds the filter to apply to those bytes with {@link headerFields}.
 */
export type SectionPlan =
  | { readonly found: true; readonly range: ByteRange; readonly filter?: HeaderFilter }
  | { readonly found: false };

const NOT_FOUND: SectionPlan = { found: false };

/**
 * The byte range a section names in the message indexed as `msg` (RFC 9051 §6.4.5):
 * - no kind: the part's body, or with no part number the whole message;
 * - MIME: the part's own header (needs a part number);
 * - HEADER, HEADER.FIELDS(.NOT), TEXT: the header or text of the message, or with a part number,
 *   of the message a message/rfc822 or message/global part holds (§6.4.5.1); on any other part
 *   they name nothing.
 * Headers include their blank line. Never throws; anything that names no part is not found.
 */
export function planSection(msg: MimeMessage, spec: SectionSpec): SectionPlan {
  if (!spec.part.every((n) => Number.isSafeInteger(n) && n > 0)) return NOT_FOUND;
  switch (spec.kind) {
    case undefined:
    case 'TEXT':
    case 'MIME':
    case 'HEADER': {
      const range = sectionRange(msg, spec.part, spec.kind);
      return range === undefined ? NOT_FOUND : { found: true, range };
    }
    case 'HEADER.FIELDS':
    case 'HEADER.FIELDS.NOT': {
      const range = sectionRange(msg, spec.part, 'HEADER');
      if (range === undefined) return NOT_FOUND;
      return {
        found: true,
        range,
        filter: { fields: spec.fields ?? [], not: spec.kind === 'HEADER.FIELDS.NOT' },
      };
    }
    default:
      return NOT_FOUND;
  }
}

/**
 * HEADER.FIELDS / HEADER.FIELDS.NOT (RFC 9051 §6.4.5): from the bytes of a header block (fields
 * and blank line), the fields whose name is (or with `not`, is not) one of `names`, compared
 * case-insensitively, each whole with its folded lines and in header order, followed by the
 * header's blank line. Lines that are no field (no colon) are never selected. The blank line is
 * the header's own (CRLF, or LF in a message stored with bare LF); a header without one (a
 * message with no body and no blank line, or a part header cut short) gets none, as §7.5.2 says.
 * Never throws.
 */
export function headerFields(header: Buffer, names: readonly string[], not: boolean): Buffer {
  const wanted = new Set(names.map((name) => name.toLowerCase()));
  const block = parseHeaderBlock(header, 0, { maxFields: Number.MAX_SAFE_INTEGER });
  const pieces: Buffer[] = [];
  for (const field of block.fields) {
    if (wanted.has(field.name.toLowerCase()) !== not) pieces.push(header.subarray(field.start, field.end));
  }
  if (block.blankLine) pieces.push(header.subarray(blankLineStart(header, block.end), block.end));
  return Buffer.concat(pieces);
}

/** The start of the blank line that ends at `end` (CRLF or bare LF). */
function blankLineStart(header: Buffer, end: number): number {
  return end >= 2 && header[end - 2] === 0x0d ? end - 2 : end - 1;
}

/**
 * The part of `length` octets a partial request selects (RFC 9051 §6.4.5 `<origin.count>`), as
 * a range relative to the section: from `origin` for `count` octets, cut at the end; an origin at
 * or beyond the end selects nothing (the response is then an empty string).
 */
export function partialRange(length: number, partial: FetchPartial): ByteRange {
  const size = Math.max(0, length);
  const start = Math.min(Math.max(0, partial.origin), size);
  const end = Math.min(start + Math.max(0, partial.count), size);
  return { start, end };
}

/**
 * Narrows an absolute byte range of the message to what a partial request selects, so that the
 * session reads only those bytes (for sections without a filter).
 */
export function narrowRange(range: ByteRange, partial: FetchPartial | undefined): ByteRange {
  if (partial === undefined) return range;
  const rel = partialRange(range.end - range.start, partial);
  return { start: range.start + rel.start, end: range.start + rel.end };
}

/** Slices section data for a partial request (see {@link partialRange}); the data itself without one. */
export function applyPartial(data: Buffer, partial: FetchPartial | undefined): Buffer {
  if (partial === undefined) return data;
  const { start, end } = partialRange(data.length, partial);
  return data.subarray(start, end);
}

/**
 * The data of FETCH BODY[section]<partial> for a message held in memory: `raw` the stored bytes
 * and `msg` their index. Null when the section does not exist (the response is NIL). The result
 * shares memory with `raw` where it can. Never throws.
 */
export function sectionBytes(
  raw: Buffer,
  msg: MimeMessage,
  spec: SectionSpec,
  partial?: FetchPartial,
): Buffer | null {
  const plan = planSection(msg, spec);
  if (!plan.found) return null;
  const { start, end } = clampRange(plan.range, raw.length);
  if (plan.filter === undefined) {
    const narrowed = narrowRange({ start, end }, partial);
    return raw.subarray(narrowed.start, narrowed.end);
  }
  const filtered = headerFields(raw.subarray(start, end), plan.filter.fields, plan.filter.not);
  return applyPartial(filtered, partial);
}

/** A range kept inside `[0, size]` (the index and the bytes always agree; this guards a mix-up). */
function clampRange(range: ByteRange, size: number): ByteRange {
  const start = Math.min(Math.max(0, range.start), size);
  return { start, end: Math.min(Math.max(start, range.end), size) };
}
