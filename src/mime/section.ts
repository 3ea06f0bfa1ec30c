/**
 * IMAP part numbering (RFC 9051 §6.4.5) over an indexed message, and the byte ranges of the
 * sections FETCH BODY[…] returns.
 *
 * - The parts of a multipart are numbered from 1.
 * - A message whose body is not a multipart has a single part, number 1: its body.
 * - A message/rfc822 or message/global part numbers the parts of the message it holds the same
 *   way: part `2` holding a multipart has parts `2.1`, `2.2`…; holding a single part, part `2.1`.
 */

import type { MimeMessage, MimePart } from './types.ts';

/** A byte range `[start, end)` of the raw message. */
export interface ByteRange {
  start: number;
  end: number;
}

/** The section-text specifiers that select a byte range (HEADER.FIELDS filters HEADER's range). */
export type SectionText = 'HEADER' | 'TEXT' | 'MIME';

/**
 * Parses a section part number, `"1.2.3"`, to `[1, 2, 3]`; `""` is `[]` (the whole message).
 * Undefined for anything else (zero, leading zeros, empty components, non-digits).
 */
export function parseSectionPath(section: string): number[] | undefined {
  if (section === '') return [];
  const out: number[] = [];
  for (const piece of section.split('.')) {
    if (!/^[1-9]\d{0,8}$/.test(piece)) return undefined;
    out.push(Number(piece));
  }
  return out;
}

/**
 * Finds the part a section part number names (RFC 9051 §6.4.5). `[]` is the message's root
 * entity. For a message/rfc822 part, the result is that part; its encapsulated message's parts
 * are reached by the numbers that follow. Undefined when the part does not exist.
 */
export function findPart(msg: MimeMessage, section: string | readonly number[]): MimePart | undefined {
  const path = typeof section === 'string' ? parseSectionPath(section) : section;
  if (path === undefined) return undefined;
  let part: MimePart | undefined;
  let inner: MimePart = msg.root; // the entity the next number indexes into
  let isMessage = true; // true when `inner` is the root of a message
  for (const n of path) {
    if (inner.children !== undefined) {
      part = inner.children[n - 1];
    } else if (isMessage && n === 1) {
      part = inner;
    } else {
      return undefined;
    }
    if (part === undefined) return undefined;
    if (part.message !== undefined) {
      inner = part.message.root;
      isMessage = true;
    } else {
      inner = part;
      isMessage = false;
    }
  }
  return part ?? msg.root;
}

/**
 * The bytes FETCH BODY[section] returns (RFC 9051 §6.4.5): with no `text`, the part's body (for
 * `[]`, the whole message); `MIME`, the part's own header; `HEADER` and `TEXT`, the header and the
 * body of the message (at `[]`) or of the message a message/rfc822 part holds. Undefined for a
 * section that does not exist or a specifier that does not apply.
 */
export function sectionRange(
  msg: MimeMessage,
  section: string | readonly number[],
  text?: SectionText,
): ByteRange | undefined {
  const path = typeof section === 'string' ? parseSectionPath(section) : section;
  if (path === undefined) return undefined;
  if (path.length === 0) {
    const root = msg.root;
    if (text === undefined) return { start: root.headerStart, end: root.bodyEnd };
    if (text === 'MIME') return undefined;
    return headerOrText(root, text);
  }
  const part = findPart(msg, path);
  if (part === undefined) return undefined;
  if (text === undefined) return { start: part.bodyStart, end: part.bodyEnd };
  if (text === 'MIME') return { start: part.headerStart, end: part.bodyStart };
  return part.message === undefined ? undefined : headerOrText(part.message.root, text);
}

function headerOrText(root: MimePart, text: 'HEADER' | 'TEXT'): ByteRange {
  return text === 'HEADER'
    ? { start: root.headerStart, end: root.bodyStart }
    : { start: root.bodyStart, end: root.bodyEnd };
}

/**
 * Visits every part depth-first in IMAP order with its part number. A message's root gets the
 * number of its body (`[1]` at the top, `[…, n, 1]` inside part n) when it is not a multipart,
 * and the number of the message itself (`[]` at the top, `[…, n]` inside part n) when it is.
 */
export function walkParts(msg: MimeMessage, visit: (part: MimePart, path: readonly number[]) => void): void {
  walkMessage(msg, [], visit);
}

function walkMessage(
  msg: MimeMessage,
  prefix: number[],
  visit: (part: MimePart, path: readonly number[]) => void,
): void {
  const root = msg.root;
  if (root.children === undefined) walkPart(root, [...prefix, 1], visit);
  else walkPart(root, prefix, visit);
}

function walkPart(
  part: MimePart,
  path: number[],
  visit: (part: MimePart, path: readonly number[]) => void,
): void {
  visit(part, path);
  if (part.children !== undefined) {
    part.children.forEach((child, i) => {
      walkPart(child, [...path, i + 1], visit);
    });
  } else if (part.message !== undefined) {
    walkMessage(part.message, path, visit);
  }
}
