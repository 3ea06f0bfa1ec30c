/**
 * The searchable text of a message, for the full-text index behind IMAP SEARCH (RFC 9051 §6.4.4):
 * header values with RFC 2047 words decoded, and the decoded text of the text parts. Works from
 * the stored structure, so the raw message is not parsed again. Never throws.
 */

import libmime from 'libmime';
import { decodeCharset } from './charset.ts';
import { getParam } from './content-type.ts';
import { parseHeaderBlock, rawValue, unfold } from './header.ts';
import { htmlToText } from './html.ts';
import { decodeTransfer } from './transfer.ts';
import type { MessageStructure, MimePart } from './types.ts';

/** Options of {@link extractText}. */
export interface ExtractOptions {
  /** Most characters of each of `headers` and `body` (default 1 000 000); the rest is cut. */
  maxLength?: number;
}

/** The text {@link extractText} returns. */
export interface ExtractedText {
  /** The top-level header, one `Name: decoded value` line per field. */
  headers: string;
  /**
   * The text of the text/* parts (HTML crudely stripped; of a multipart/alternative only the
   * text/plain part, or else the last one), and the headers and text of attached messages.
   */
  body: string;
}

/**
 * Extracts the searchable text of `raw`, indexed as `structure`. Transfer encodings are decoded
 * (RFC 2045 §6.7, §6.8) and charsets converted (RFC 2046 §4.1.2); a part that cannot be decoded is
 * skipped. Never throws.
 */
export function extractText(
  raw: Buffer,
  structure: MessageStructure,
  options: ExtractOptions = {},
): ExtractedText {
  const max = options.maxLength ?? 1_000_000;
  const headers = cap(headerText(raw, structure.root, max), max);
  const body = new TextSink(max);
  collect(raw, structure.root, body);
  return { headers, body: body.text() };
}

/**
 * Decodes a header field value for display or search: unfolds it (RFC 5322 §2.2.3) and decodes
 * RFC 2047 encoded words, trimming the result. Never throws; on a decoder error it returns the
 * unfolded value.
 */
export function decodeHeaderValue(value: string): string {
  const unfolded = unfold(value).trim();
  if (!unfolded.includes('=?')) return unfolded;
  try {
    return libmime.decodeWords(unfolded);
  } catch {
    return unfolded;
  }
}

class TextSink {
  readonly max: number;
  readonly pieces: string[] = [];
  length = 0;

  constructor(max: number) {
    this.max = max;
  }

  get full(): boolean {
    return this.length >= this.max;
  }

  add(piece: string): void {
    if (piece === '' || this.full) return;
    const kept = piece.length > this.max - this.length ? piece.slice(0, this.max - this.length) : piece;
    this.pieces.push(kept);
    this.length += kept.length + 1;
  }

  text(): string {
    return cap(this.pieces.join('\n'), this.max);
  }
}

function cap(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}

/** The decoded header of `part`, one line per field. */
function headerText(raw: Buffer, part: MimePart, max: number): string {
  try {
    const block = parseHeaderBlock(raw.subarray(0, part.bodyStart), part.headerStart);
    const lines: string[] = [];
    let length = 0;
    for (const field of block.fields) {
      const line = `${field.name}: ${decodeHeaderValue(rawValue(raw, field))}`;
      lines.push(line);
      length += line.length + 1;
      if (length >= max) break;
    }
    return lines.join('\n');
  } catch {
    return '';
  }
}

function collect(raw: Buffer, part: MimePart, sink: TextSink): void {
  if (sink.full) return;
  if (part.children !== undefined) {
    if (part.subtype === 'alternative' && part.children.length > 0) {
      const plain = part.children.find((c) => c.type === 'text' && c.subtype === 'plain');
      collectPart(raw, plain ?? part.children[part.children.length - 1]!, sink);
      return;
    }
    for (const child of part.children) collectPart(raw, child, sink);
    return;
  }
  if (part.message !== undefined) {
    sink.add(headerText(raw, part.message.root, sink.max));
    collect(raw, part.message.root, sink);
    return;
  }
  if (part.type === 'text') sink.add(partText(raw, part, sink.max - sink.length));
}

/**
 * A body part of a multipart: its MIME header fields, then its content. The part's header is
 * text of the message body, so SEARCH TEXT and BODY find an attachment's file name or any other
 * field of it (RFC 9051 §6.4.4: TEXT is "the header (including MIME header fields) or body").
 */
function collectPart(raw: Buffer, part: MimePart, sink: TextSink): void {
  if (part.bodyStart > part.headerStart) sink.add(headerText(raw, part, sink.max));
  collect(raw, part, sink);
}

/** The decoded text of one text/* leaf, reading no more bytes than `room` characters can need. */
function partText(raw: Buffer, part: MimePart, room: number): string {
  try {
    const limit = Math.min(part.bodyEnd, part.bodyStart + room * 4 + 1024);
    const bytes = decodeTransfer(raw.subarray(part.bodyStart, limit), part.encoding);
    const text = decodeCharset(bytes, getParam(part.params, 'charset'));
    return part.subtype === 'html' ? htmlToText(text) : text;
  } catch {
    return '';
  }
}
