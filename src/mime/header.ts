/**
 * Header blocks (RFC 5322 §2.2): split into fields with offsets, without copying the bytes.
 *
 * Tolerant by design, after what deployed servers accept: bare LF line ends, lines without a colon
 * (skipped, they are no field), white space before the colon (obs-optional, RFC 5322 §4.5),
 * 8-bit bytes, a header that runs to the end of the input without a blank line, and, inside a
 * multipart, a header cut short by a boundary line.
 */

import { isUtf8 } from 'node:buffer';

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;

/** One header field. `[start, end)` covers the whole field with its folded lines and final line break. */
export interface HeaderField {
  /** The field name as written, without white space before the colon. */
  name: string;
  start: number;
  /** Offset just after the colon. */
  valueStart: number;
  /** Offset after the field's last line break (or the end of the header). */
  end: number;
}

/** A header block as found from `start`. */
export interface HeaderBlock {
  start: number;
  /** Where the body starts: after the blank line, or where the header stopped. */
  end: number;
  /** Number of LF in `[start, end)`. */
  lines: number;
  /** True when the header ended with a blank line (RFC 5322 §2.1). */
  blankLine: boolean;
  /**
   * When the header was stopped by `isStop`, the offset of that line's first byte; the line break
   * before it is left out of the header (it belongs to the boundary, RFC 2046 §5.1.1).
   */
  stoppedAt?: number;
  fields: HeaderField[];
}

/** Options of {@link parseHeaderBlock}. */
export interface HeaderOptions {
  /** Called on each line starting with `--`; true ends the header before that line. */
  isStop?: (lineStart: number) => boolean;
  /** Fields beyond this many are not recorded (the block is still scanned to its end). */
  maxFields?: number;
}

/**
 * Splits the header block starting at `start` (RFC 5322 §2.2). The header ends after the first
 * empty line (CRLF or bare LF), at a line `isStop` accepts, or at the end of `buf`. A line starting
 * with SP or HTAB continues the previous field (folding, §2.2.3). Never throws.
 */
export function parseHeaderBlock(buf: Buffer, start: number, options: HeaderOptions = {}): HeaderBlock {
  const len = buf.length;
  const maxFields = options.maxFields ?? 10_000;
  const isStop = options.isStop;
  const fields: HeaderField[] = [];
  let current: HeaderField | undefined;
  let lines = 0;
  let pos = start;
  let nextColon = -2; // cached offset of the next ':' at or after pos (-1: none left)

  while (pos < len) {
    const c = buf[pos];
    if (c === LF) return finish(pos + 1, lines + 1, true);
    if (c === CR && pos + 1 < len && buf[pos + 1] === LF) return finish(pos + 2, lines + 1, true);
    if (c === 0x2d && isStop !== undefined && buf[pos + 1] === 0x2d && isStop(pos)) {
      let end = pos;
      if (end > start && buf[end - 1] === LF) {
        end--;
        lines--;
        if (end > start && buf[end - 1] === CR) end--;
      }
      if (current !== undefined && current.end > end) current.end = end;
      const block = finish(end, lines, false);
      block.stoppedAt = pos;
      return block;
    }
    const lf = buf.indexOf(LF, pos);
    const next = lf === -1 ? len : lf + 1;
    if (lf !== -1) lines++;
    if (c === SP || c === HT) {
      // RFC 5322 §2.2.3: a folded continuation of the field before.
      if (current !== undefined) current.end = next;
    } else {
      current = undefined;
      if (nextColon !== -1 && nextColon < pos) nextColon = buf.indexOf(COLON, pos);
      const lineEnd = lf === -1 ? len : lf;
      if (nextColon !== -1 && nextColon < lineEnd) {
        let nameEnd = nextColon;
        while (nameEnd > pos && (buf[nameEnd - 1] === SP || buf[nameEnd - 1] === HT)) nameEnd--;
        if (nameEnd > pos && fields.length < maxFields) {
          current = {
            name: buf.toString('latin1', pos, nameEnd),
            start: pos,
            valueStart: nextColon + 1,
            end: next,
          };
          fields.push(current);
        }
      }
    }
    pos = next;
  }
  return finish(len, lines, false);

  function finish(end: number, lineCount: number, blankLine: boolean): HeaderBlock {
    return { start, end, lines: lineCount, blankLine, fields };
  }
}

/**
 * Decodes header bytes to a string: as UTF-8 when they are valid UTF-8 (RFC 6532), otherwise as
 * Latin-1, so that no byte is lost. {@link headerEncoding} tells which, to get the bytes back.
 */
export function headerText(bytes: Buffer): string {
  return bytes.toString(headerEncoding(bytes));
}

/** The encoding {@link headerText} uses for `bytes`. */
export function headerEncoding(bytes: Uint8Array): 'utf8' | 'latin1' {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! >= 0x80) return isUtf8(bytes) ? 'utf8' : 'latin1';
  }
  return 'latin1';
}

/** True when the header section of `message` (up to its blank line) holds an octet above 0x7F. */
export function hasEightBitHeader(message: Buffer): boolean {
  const end = parseHeaderBlock(message, 0, { maxFields: 0 }).end;
  for (let i = 0; i < end; i++) if (message[i]! >= 0x80) return true;
  return false;
}

/** The raw value of a field: everything after the colon, folding kept, final line break removed. */
export function rawValue(buf: Buffer, field: HeaderField): string {
  let end = field.end;
  if (end > field.valueStart && buf[end - 1] === LF) {
    end--;
    if (end > field.valueStart && buf[end - 1] === CR) end--;
  }
  return headerText(buf.subarray(field.valueStart, end));
}

/**
 * Unfolds a field value (RFC 5322 §2.2.3): removes every CRLF (or bare LF, or stray CR) that
 * folding inserted, keeping the white space that follows it.
 */
export function unfold(value: string): string {
  return value.indexOf('\n') === -1 && value.indexOf('\r') === -1 ? value : value.replace(/\r?\n|\r/g, '');
}

/** The value of a field unfolded, with leading and trailing white space removed. */
export function fieldText(buf: Buffer, field: HeaderField): string {
  return unfold(rawValue(buf, field)).replace(/^[ \t]+|[ \t]+$/g, '');
}

/** Maps each lower-cased field name to its first occurrence. */
export function indexFields(block: HeaderBlock): Map<string, HeaderField> {
  const map = new Map<string, HeaderField>();
  for (const field of block.fields) {
    const key = field.name.toLowerCase();
    if (!map.has(key)) map.set(key, field);
  }
  return map;
}

/** All fields named `name` (case-insensitive), in order. */
export function findFields(block: HeaderBlock, name: string): HeaderField[] {
  const key = name.toLowerCase();
  return block.fields.filter((f) => f.name.length === key.length && f.name.toLowerCase() === key);
}

/** The unfolded, trimmed value of the first field named `name` (case-insensitive), if any. */
export function headerValue(buf: Buffer, block: HeaderBlock, name: string): string | undefined {
  const field = findFields(block, name)[0];
  return field === undefined ? undefined : fieldText(buf, field);
}
