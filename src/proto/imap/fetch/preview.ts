/**
 * FETCH PREVIEW (RFC 8970): a short plain-text extract of a message's body, for message lists.
 *
 * The text comes from the first inline text/plain part, in IMAP part order, or when there is none
 * (or it holds only white space) from the first inline text/html part with the markup stripped.
 * Parts marked `Content-Disposition: attachment` and the parts of attached messages are skipped.
 * The text is decoded (transfer encoding, then charset), control characters and runs of white
 * space become one space, and it is cut to {@link PREVIEW_LENGTH} characters (RFC 8970 bounds the
 * preview's length; 200 characters is the length it recommends).
 */

import { decodeCharset } from '../../../mime/charset.ts';
import { getParam } from '../../../mime/content-type.ts';
import { htmlToText } from '../../../mime/html.ts';
import type { ByteRange } from '../../../mime/section.ts';
import { decodeTransfer } from '../../../mime/transfer.ts';
import type { MimeMessage, MimePart } from '../../../mime/types.ts';

/** The most characters (Unicode code points) of a preview. */
export const PREVIEW_LENGTH = 200;

/** Bytes of a text/plain body read for a preview: enough for 200 characters after any encoding. */
const PLAIN_READ_LIMIT = 16 * 1024;
/** Bytes of a text/html body read for a preview: markup and style sheets come before the text. */
const HTML_READ_LIMIT = 128 * 1024;

/**
 * The parts a preview is taken from, in the order to try them: the first inline text/plain part
 * and the first inline text/html part (either may be missing). Empty when the message has no
 * inline text/plain or text/html part; the preview is then NIL. Never throws.
 */
export function previewParts(msg: MimeMessage): MimePart[] {
  const out: MimePart[] = [];
  const plain = firstText(msg.root, 'plain');
  if (plain !== undefined) out.push(plain);
  const html = firstText(msg.root, 'html');
  if (html !== undefined) out.push(html);
  return out;
}

/** The bytes of `part` to read for a preview: the start of its body, at most a few kilobytes. */
export function previewRange(part: MimePart): ByteRange {
  const limit = part.subtype === 'html' ? HTML_READ_LIMIT : PLAIN_READ_LIMIT;
  return { start: part.bodyStart, end: Math.min(part.bodyEnd, part.bodyStart + limit) };
}

/**
 * The preview text of `part` from `bytes`, the bytes of its {@link previewRange} (or its whole
 * body): decoded, HTML stripped for text/html, white space collapsed, trimmed and cut to
 * {@link PREVIEW_LENGTH} characters. An empty string when the part holds no visible text.
 * Never throws.
 */
export function previewText(bytes: Buffer, part: MimePart): string {
  try {
    const cut = bytes.length < part.bodyEnd - part.bodyStart;
    let text = decodeCharset(decodeTransfer(bytes, part.encoding), getParam(part.params, 'charset'));
    // A body read in part may end inside a multi-byte character.
    if (cut) text = text.replace(/\ufffd+$/, '');
    if (part.subtype === 'html') text = htmlToText(text);
    return clip(collapse(text), PREVIEW_LENGTH);
  } catch {
    return '';
  }
}

/**
 * FETCH PREVIEW for a message held in memory (`raw` the stored bytes, `msg` their index): the
 * first non-empty text of {@link previewParts}; `""` when the text parts hold no visible text;
 * null (NIL) when the message has no text part to preview. Never throws.
 */
export function preview(raw: Buffer, msg: MimeMessage): string | null {
  const parts = previewParts(msg);
  if (parts.length === 0) return null;
  for (const part of parts) {
    const range = previewRange(part);
    const start = Math.min(Math.max(0, range.start), raw.length);
    const end = Math.min(Math.max(start, range.end), raw.length);
    const text = previewText(raw.subarray(start, end), part);
    if (text !== '') return text;
  }
  return '';
}

/**
 * The first inline text/<subtype> leaf in IMAP part order, not descending into attached
 * messages (their text is not this message's).
 */
function firstText(part: MimePart, subtype: 'plain' | 'html'): MimePart | undefined {
  if (part.children !== undefined) {
    for (const child of part.children) {
      const found = firstText(child, subtype);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (part.type !== 'text' || part.subtype !== subtype) return undefined;
  return part.disposition?.type === 'attachment' ? undefined : part;
}

/** Turns control characters and runs of white space into one space, trimmed. */
function collapse(text: string): string {
  return text.replace(/[\s\p{Cc}\u200b-\u200d\u2060\ufeff]+/gu, ' ').trim();
}

/** The first `max` code points of `text` (never splitting a surrogate pair), trimmed at the end. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  let count = 0;
  for (const ch of text) {
    if (count++ === max) break;
    out += ch;
  }
  return out.trimEnd();
}
