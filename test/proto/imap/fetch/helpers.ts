/** Shared helpers of the FETCH data tests: fixtures, and a plain rendering of typed values. */

import { readFileSync } from 'node:fs';
import { indexMessage } from '../../../../src/mime/structure.ts';
import type { MessageStructure } from '../../../../src/mime/types.ts';
import { type ImapValue, isAtom } from '../../../../src/proto/imap/value.ts';

/** The bytes of `test/mime/fixtures/<name>` and their index. */
export function load(name: string): { raw: Buffer; s: MessageStructure } {
  const raw = readFileSync(new URL(`../../../mime/fixtures/${name}`, import.meta.url));
  return { raw, s: indexMessage(raw) };
}

/** A message written with CRLF line ends from lines, and its index. */
export function message(lines: readonly string[]): { raw: Buffer; s: MessageStructure } {
  const raw = Buffer.from(lines.join('\r\n'), 'utf8');
  return { raw, s: indexMessage(raw) };
}

/**
 * Renders a typed value the way a server writes it, for readable golden tests: NIL, numbers,
 * atoms as is, strings and buffers quoted (with `\` and `"` escaped), lists in parentheses with
 * one space between elements, except inside the run of lists a list starts with, which are
 * written back to back: that is the ABNF's `1*body` of body-type-mpart and `1*address` of the
 * envelope's address lists (RFC 9051 §9), where no SP is allowed. Not the real encoder (no
 * literals): CRLF inside a string is shown as `{CRLF}`.
 */
export function render(value: ImapValue): string {
  if (value === null) return 'NIL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return quote(value);
  if (Buffer.isBuffer(value)) return quote(value.toString('latin1'));
  if (Array.isArray(value)) {
    let out = '(';
    let leading = true;
    value.forEach((item: ImapValue, i: number) => {
      const isList = Array.isArray(item);
      if (i > 0 && !(leading && isList)) out += ' ';
      if (!isList) leading = false;
      out += render(item);
    });
    return `${out})`;
  }
  if (isAtom(value as ImapValue)) return (value as { atom: string }).atom;
  throw new Error('unknown value');
}

function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\r\n/g, '{CRLF}')}"`;
}
