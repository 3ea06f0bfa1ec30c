/**
 * FETCH section specifications and partial ranges (RFC 9051 §6.4.5, §9 `section`,
 * `section-binary`, `partial`). The shapes match what `../fetch/sections.ts` consumes
 * (`SectionSpec`, `FetchPartial`).
 */

import type { Cursor } from './cursor.ts';
import { headerFieldName } from './search-key.ts';

/** RFC 9051 §9 `section-msgtext` and `section-text` specifiers. */
export type SectionKind = 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

/**
 * A section (RFC 9051 §9 `section-spec`): `BODY[1.2.HEADER.FIELDS (From To)]` is
 * `{ part: [1, 2], kind: 'HEADER.FIELDS', fields: ['From', 'To'] }`, `BODY[]` is `{ part: [] }`.
 * `kind` and `fields` are absent when not given; field names are kept as sent.
 */
export interface SectionSpec {
  readonly part: readonly number[];
  readonly kind?: SectionKind;
  readonly fields?: readonly string[];
}

/** RFC 9051 §9 `partial = "<" number64 "." nz-number64 ">"`: `count` octets from `origin`. */
export interface FetchPartial {
  readonly origin: number;
  readonly count: number;
}

const KIND = /HEADER\.FIELDS\.NOT|HEADER\.FIELDS|HEADER|TEXT|MIME/iy;

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

/**
 * RFC 9051 §9 `section = "[" [section-spec] "]"`, `section-spec = section-msgtext /
 * (section-part ["." section-text])`, `section-part = nz-number *("." nz-number)`,
 * `section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"`,
 * `section-text = section-msgtext / "MIME"` (MIME needs a part).
 */
export function section(c: Cursor): SectionSpec {
  c.expect('[');
  if (c.accept(']')) return { part: [] };
  const part: number[] = [];
  if (isDigit(c.peek())) {
    part.push(c.nzNumber('a part number'));
    for (;;) {
      if (!c.accept('.')) {
        c.expect(']');
        return { part };
      }
      if (!isDigit(c.peek())) break;
      part.push(c.nzNumber('a part number'));
      if (part.length > 64) c.fail('Section part too deep');
    }
  }
  const kind = c.match(KIND, 'a section specifier').toUpperCase() as SectionKind;
  if (kind === 'MIME' && part.length === 0) c.fail('MIME needs a part number');
  if (kind === 'HEADER.FIELDS' || kind === 'HEADER.FIELDS.NOT') {
    c.SP();
    const fields = c.list(() => headerFieldName(c), false, 'header field names');
    c.expect(']');
    return { part, kind, fields };
  }
  c.expect(']');
  return { part, kind };
}

/** RFC 9051 §9 `section-binary = "[" [section-part] "]"`: the part numbers. */
export function sectionBinary(c: Cursor): number[] {
  c.expect('[');
  const part = c.peek() === ']' ? [] : [c.nzNumber('a part number')];
  while (part.length > 0 && c.accept('.')) {
    part.push(c.nzNumber('a part number'));
    if (part.length > 64) c.fail('Section part too deep');
  }
  c.expect(']');
  return part;
}

/** RFC 9051 §9 `partial`, if one follows. */
export function partial(c: Cursor): FetchPartial | null {
  if (!c.accept('<')) return null;
  const origin = c.number64('a partial origin');
  c.expect('.');
  const count = c.number64('a partial length');
  if (count === 0) c.fail('Partial length must not be zero');
  c.expect('>');
  return { origin, count };
}
