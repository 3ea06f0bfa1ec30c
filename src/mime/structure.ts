/**
 * The MIME indexer: raw message bytes in, the part tree with absolute byte offsets out
 * (RFC 2045, RFC 2046 §5.1, RFC 5322), computed once at delivery so that IMAP can serve
 * BODYSTRUCTURE, ENVELOPE and BODY[section]<partial> without parsing again.
 *
 * Multipart bodies are split the way Dovecot splits them, in one pass with a stack of the open
 * boundaries (RFC 2046 §5.1.1):
 * - a boundary line is `--` + boundary at the start of a line; what follows on the line is
 *   ignored (only the prefix must match) and `--` right after the boundary closes the multipart;
 *   when the boundaries of several open multiparts match, the longest wins, the innermost on ties;
 * - the line break before a boundary line belongs to the boundary, unless it already ended a
 *   header or another boundary line;
 * - a boundary line of an enclosing multipart ends every part inside it, so a missing close
 *   delimiter ends the multipart at the enclosing boundary or at the end of the message;
 * - a boundary line also ends a header that has no blank line yet;
 * - the preamble and the epilogue belong to the multipart's body but to no child.
 */

import { BoundaryStack, type OpenBoundary } from './boundary.ts';
import {
  defaultContentType,
  getParam,
  parseContentDisposition,
  parseContentLanguage,
  parseContentType,
  parseTransferEncoding,
} from './content-type.ts';
import { readEnvelope } from './envelope.ts';
import { fieldText, type HeaderField, headerEncoding, indexFields, parseHeaderBlock } from './header.ts';
import type { MessageStructure, MimePart } from './types.ts';

/** Limits of {@link indexMessage}; beyond them the rest is kept as opaque body. */
export interface IndexOptions {
  /** Deepest nesting of multiparts and encapsulated messages (default 50). */
  maxDepth?: number;
  /** Most parts in one message, encapsulated messages' parts included (default 1000). */
  maxParts?: number;
  /** Most header fields recorded per header block (default 10 000). */
  maxHeaderFields?: number;
}

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
const NL_DASHES = Buffer.from('\n--', 'latin1');
/** Longer boundary parameters are ignored (RFC 2046 §5.1.1 allows 70 characters). */
const MAX_BOUNDARY = 1000;
const IDENTITY_ENCODINGS = new Set(['7bit', '8bit', 'binary']);

/** Where a part's content stops: a boundary line at `at`, or the end of the message. */
interface Stop {
  at: number;
  boundary: OpenBoundary | undefined;
  close: boolean;
  /** The start of the line after the boundary line. */
  next: number;
}

interface Entity {
  part: MimePart;
  fields: Map<string, HeaderField>;
  stop: Stop;
}

/**
 * Indexes a raw message (RFC 5322, with MIME). Never throws and accepts any bytes: broken headers,
 * missing boundaries, truncated messages, 8-bit garbage, bare LF line ends, absurd nesting. The
 * root part starts at offset 0 and its body ends at `raw.length`.
 */
export function indexMessage(raw: Buffer, options: IndexOptions = {}): MessageStructure {
  try {
    const indexer = new Indexer(raw, options);
    const top = indexer.entity(0, 0, 'text');
    const structure: MessageStructure = {
      version: 1,
      size: raw.length,
      envelope: readEnvelope(raw, top.fields),
      root: top.part,
    };
    if (indexer.limited) structure.limited = true;
    return structure;
  } catch {
    // Not expected (the property tests look for it); an opaque body is still servable.
    const root: MimePart = {
      headerStart: 0,
      bodyStart: 0,
      bodyEnd: raw.length,
      headerLines: 0,
      type: 'application',
      subtype: 'octet-stream',
      params: [],
    };
    return { version: 1, size: raw.length, envelope: {}, root, limited: true };
  }
}

class Indexer {
  readonly buf: Buffer;
  readonly maxDepth: number;
  readonly maxParts: number;
  readonly maxFields: number;
  readonly stack = new BoundaryStack();
  parts = 0;
  limited = false;

  constructor(buf: Buffer, options: IndexOptions) {
    this.buf = buf;
    this.maxDepth = options.maxDepth ?? 50;
    this.maxParts = options.maxParts ?? 1000;
    this.maxFields = options.maxHeaderFields ?? 10_000;
  }

  /** Parses the entity (header and body) starting at `start`, a line start. */
  entity(start: number, depth: number, context: 'text' | 'digest'): Entity {
    const buf = this.buf;
    this.parts++;
    const block = parseHeaderBlock(buf, start, {
      maxFields: this.maxFields,
      isStop: this.stack.size === 0 ? undefined : (line) => this.stopAt(line) !== undefined,
    });
    const fields = indexFields(block);
    const part = describe(buf, fields, context);
    part.headerStart = start;
    part.bodyStart = block.end;
    part.bodyEnd = block.end;
    part.headerLines = block.lines;

    const kind = this.kindOf(part, depth);
    let boundary: Buffer | undefined;
    if (kind === 'multipart') {
      const raw = getParam(part.params, 'boundary')!;
      const field = fields.get('content-type')!;
      boundary = Buffer.from(raw, headerEncoding(buf.subarray(field.valueStart, field.end)));
      part.boundary = raw;
    }

    let stop: Stop;
    if (block.stoppedAt !== undefined) {
      // The header was cut short by a boundary line: the body is empty (Dovecot does the same).
      stop = this.stopAt(block.stoppedAt)!;
      if (kind === 'multipart') part.children = [];
      if (kind === 'message') {
        this.parts++;
        part.message = { envelope: {}, root: emptyPart(block.end) };
      }
    } else if (kind === 'multipart') {
      stop = this.multipart(part, boundary!, depth, part.subtype === 'digest');
    } else if (kind === 'message') {
      const inner = this.entity(part.bodyStart, depth + 1, 'text');
      part.message = { envelope: readEnvelope(buf, inner.fields), root: inner.part };
      part.bodyEnd = inner.part.bodyEnd;
      stop = inner.stop;
    } else {
      stop = this.findStop(part.bodyStart);
      part.bodyEnd = this.endBefore(stop, part.bodyStart);
    }
    countBodyLines(buf, part);
    return { part, fields, stop };
  }

  /** Whether a part is split as a multipart, parsed as a message, or kept as a leaf. */
  kindOf(part: MimePart, depth: number): 'multipart' | 'message' | 'leaf' {
    let kind: 'multipart' | 'message' | 'leaf' = 'leaf';
    if (part.type === 'multipart') {
      const boundary = getParam(part.params, 'boundary');
      if (boundary !== undefined && boundary !== '' && boundary.length <= MAX_BOUNDARY) kind = 'multipart';
    } else if (part.type === 'message' && (part.subtype === 'rfc822' || part.subtype === 'global')) {
      // An encoded message/* body has no offsets to give (RFC 2046 §5.2.1 allows none).
      if (part.encoding === undefined || IDENTITY_ENCODINGS.has(part.encoding)) kind = 'message';
    }
    if (kind !== 'leaf' && (depth >= this.maxDepth || this.parts >= this.maxParts)) {
      this.limited = true;
      return 'leaf';
    }
    return kind;
  }

  /** Splits a multipart body (RFC 2046 §5.1.1) and returns where the multipart stops. */
  multipart(part: MimePart, bytes: Buffer, depth: number, digest: boolean): Stop {
    const children: MimePart[] = [];
    part.children = children;
    const own = this.stack.push(bytes);
    let stop = this.findStop(part.bodyStart);
    let last: MimePart | undefined;
    while (stop.boundary === own) {
      if (stop.close || this.parts >= this.maxParts) {
        // The epilogue (or, past the part limit, the rest) runs to an enclosing boundary.
        if (!stop.close) this.limited = true;
        this.stack.pop();
        const from = stop.next;
        stop = this.findStop(from);
        part.bodyEnd = this.endBefore(stop, from);
        return stop;
      }
      const child = this.entity(stop.next, depth + 1, digest ? 'digest' : 'text');
      children.push(child.part);
      last = child.part;
      stop = child.stop;
    }
    this.stack.pop();
    // Ended by an enclosing boundary or the end of the message: the close delimiter is missing.
    part.bodyEnd = last === undefined ? this.endBefore(stop, part.bodyStart) : last.bodyEnd;
    return stop;
  }

  /**
   * The next boundary line of an open multipart at or after `from` (a line start), else the end of
   * the message. Lines starting with `--` are found with a short byte loop (cheap when they are
   * dense) falling back to a native search (fast over long attachments); `BoundaryStack` rejects
   * most of them from their next two bytes.
   */
  findStop(from: number): Stop {
    const buf = this.buf;
    const len = buf.length;
    if (this.stack.size > 0) {
      let line = from;
      while (line !== -1 && line < len) {
        if (buf[line] === DASH && buf[line + 1] === DASH) {
          const stop = this.stopAt(line);
          if (stop !== undefined) return stop;
        }
        line = this.nextDashLine(line);
      }
    }
    return { at: len, boundary: undefined, close: false, next: len };
  }

  /** The start of the next line after `pos` that starts with `--`, or -1. */
  nextDashLine(pos: number): number {
    const buf = this.buf;
    const end = Math.min(buf.length - 2, pos + 256);
    let i = pos;
    for (; i < end; i++) {
      if (buf[i] === LF && buf[i + 1] === DASH && buf[i + 2] === DASH) return i + 1;
    }
    const at = buf.indexOf(NL_DASHES, i);
    return at === -1 ? -1 : at + 1;
  }

  /** The boundary line at `line` (which starts with `--`), if it matches an open boundary. */
  stopAt(line: number): Stop | undefined {
    const buf = this.buf;
    if (!this.stack.mayMatch(buf, line + 2)) return undefined;
    const best = this.stack.match(buf, line + 2);
    if (best === undefined) return undefined;
    const after = line + 2 + best.bytes.length;
    const close = buf[after] === DASH && buf[after + 1] === DASH;
    const nl = buf.indexOf(LF, after);
    return { at: line, boundary: best, close, next: nl === -1 ? buf.length : nl + 1 };
  }

  /** Where content that started at `from` ends before `stop`: the line break goes to the boundary. */
  endBefore(stop: Stop, from: number): number {
    if (stop.boundary === undefined) return stop.at;
    let end = stop.at;
    if (end > from && this.buf[end - 1] === LF) {
      end--;
      if (end > from && this.buf[end - 1] === CR) end--;
    }
    return end;
  }
}

/** The Content-* fields of a part (RFC 2045 §5–§8, RFC 2183, RFC 3282, RFC 2557); offsets unset. */
function describe(buf: Buffer, fields: Map<string, HeaderField>, context: 'text' | 'digest'): MimePart {
  const text = (name: string): string | undefined => {
    const field = fields.get(name);
    return field === undefined ? undefined : fieldText(buf, field);
  };
  const ctValue = text('content-type');
  const ct = ctValue === undefined ? defaultContentType(context) : parseContentType(ctValue, context);
  const part: MimePart = {
    headerStart: 0,
    bodyStart: 0,
    bodyEnd: 0,
    headerLines: 0,
    type: ct.type,
    subtype: ct.subtype,
    params: ct.params,
  };
  const id = text('content-id');
  if (id !== undefined) part.id = id;
  const description = text('content-description');
  if (description !== undefined) part.description = description;
  const cte = text('content-transfer-encoding');
  const encoding = cte === undefined ? undefined : parseTransferEncoding(cte);
  if (encoding !== undefined) part.encoding = encoding;
  const md5 = text('content-md5');
  if (md5 !== undefined) part.md5 = md5;
  const dispositionValue = text('content-disposition');
  const disposition = dispositionValue === undefined ? undefined : parseContentDisposition(dispositionValue);
  if (disposition !== undefined) part.disposition = disposition;
  const languageValue = text('content-language');
  const language = languageValue === undefined ? [] : parseContentLanguage(languageValue);
  if (language.length > 0) part.language = language;
  const location = text('content-location');
  if (location !== undefined) part.location = location;
  return part;
}

/** An empty text/plain entity at `at`: the message of a message/rfc822 part without a body. */
function emptyPart(at: number): MimePart {
  const { type, subtype, params } = defaultContentType('text');
  return { headerStart: at, bodyStart: at, bodyEnd: at, headerLines: 0, bodyLines: 0, type, subtype, params };
}

/** Sets `bodyLines` (RFC 9051 body-fld-lines) on text/*, message/rfc822 and message/global parts. */
function countBodyLines(buf: Buffer, part: MimePart): void {
  const wanted =
    part.type === 'text' ||
    (part.type === 'message' && (part.subtype === 'rfc822' || part.subtype === 'global'));
  if (!wanted) return;
  let lines = 0;
  let i = part.bodyStart;
  while (i < part.bodyEnd) {
    const nl = buf.indexOf(LF, i);
    if (nl === -1 || nl >= part.bodyEnd) break;
    lines++;
    i = nl + 1;
  }
  part.bodyLines = lines;
}
