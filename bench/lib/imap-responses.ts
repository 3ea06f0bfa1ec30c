/**
 * Reading IMAP responses without I/O, for the benchmark's own client: bytes in, whole responses
 * out. A response is a line, or a line whose end announces a literal (`{N}` or `{N+}`, RFC 9051
 * §4.3) followed by N octets and the rest of the line, as often as there are literals. The
 * reader never looks into the literals' octets (a message body may hold anything, CRLF and
 * `{5}` included); it hands them over whole. Also here: the few things the benchmark reads out
 * of a response (its kind, a FETCH's UID and FLAGS, a SEARCH's numbers) and counting by kind.
 */

/** One complete response: its text with each literal's announcement left in place, and the literals. */
export interface ImapResponse {
  /** The line parts joined, without CRLF; a literal shows as its `{N}` announcement only. */
  text: string;
  literals: Buffer[];
}

const LITERAL_AT_END = /\{(\d+)\+?\}$/;

/**
 * Splits a byte stream into responses. `push` takes each chunk as it arrives, in any sizes, and
 * calls `onResponse` for every response it completes, in order.
 */
export class ResponseReader {
  readonly #onResponse: (response: ImapResponse) => void;
  /** Bytes of an unfinished line. */
  #partial: Buffer | undefined;
  /** Parts of the response under way, and its literals. */
  #parts: string[] = [];
  #literals: Buffer[] = [];
  /** Octets still to read of the literal under way, and what has come of it. */
  #literalLeft = 0;
  #literalChunks: Buffer[] = [];
  /** Octets received in all. */
  octets = 0;

  constructor(onResponse: (response: ImapResponse) => void) {
    this.#onResponse = onResponse;
  }

  push(chunk: Buffer): void {
    this.octets += chunk.length;
    let data = chunk;
    if (this.#partial) {
      data = Buffer.concat([this.#partial, chunk]);
      this.#partial = undefined;
    }
    let pos = 0;
    while (pos < data.length) {
      if (this.#literalLeft > 0) {
        const take = Math.min(this.#literalLeft, data.length - pos);
        this.#literalChunks.push(data.subarray(pos, pos + take));
        this.#literalLeft -= take;
        pos += take;
        if (this.#literalLeft === 0) {
          const chunks = this.#literalChunks;
          this.#literals.push(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
          this.#literalChunks = [];
        }
        continue;
      }
      const lf = data.indexOf(0x0a, pos);
      if (lf < 0) {
        this.#partial = Buffer.from(data.subarray(pos)); // a copy: `data` may be a large chunk
        return;
      }
      const end = lf > pos && data[lf - 1] === 0x0d ? lf - 1 : lf;
      const line = data.toString('latin1', pos, end);
      pos = lf + 1;
      this.#parts.push(line);
      // Only a line that ends in "}" can announce a literal: most lines skip the expression.
      const literal = line.charCodeAt(line.length - 1) === 0x7d ? LITERAL_AT_END.exec(line) : null;
      if (literal) {
        this.#literalLeft = Number(literal[1]);
        if (this.#literalLeft === 0) this.#literals.push(Buffer.alloc(0));
        continue;
      }
      const parts = this.#parts;
      const response = { text: parts.length === 1 ? parts[0]! : parts.join(''), literals: this.#literals };
      this.#parts = [];
      this.#literals = [];
      this.#onResponse(response);
    }
  }

  /** True when no response is under way (nothing buffered). */
  get idle(): boolean {
    return this.#partial === undefined && this.#parts.length === 0 && this.#literalLeft === 0;
  }
}

/** What a response is, for counting and for ending a command. */
export type ResponseKind =
  | { type: 'tagged'; tag: string; status: string }
  | { type: 'continuation' }
  | { type: 'untagged'; name: string; number: number | undefined };

/**
 * The kind of a response (RFC 9051 §7): tagged (`A1 OK …`), a continuation request (`+ …`) or
 * untagged (`* 12 FETCH …` → name FETCH, number 12; `* SEARCH 1 2` → name SEARCH).
 */
export function responseKind(text: string): ResponseKind {
  if (text.charCodeAt(0) === 0x2b) return { type: 'continuation' };
  if (text.charCodeAt(0) === 0x2a && text.charCodeAt(1) === 0x20) {
    // Read by index, not by slices and a regular expression: the benchmark's client must read a
    // response much faster than a server writes one, or it measures itself (100,000 FETCHes).
    let end = 2;
    let number = 0;
    let code = text.charCodeAt(end);
    while (code >= 0x30 && code <= 0x39) {
      number = number * 10 + (code - 0x30);
      code = text.charCodeAt(++end);
    }
    if (end > 2) {
      if (code !== 0x20) return { type: 'untagged', name: '', number };
      const space2 = text.indexOf(' ', end + 1);
      return { type: 'untagged', name: upper(text.slice(end + 1, space2 < 0 ? undefined : space2)), number };
    }
    const space = text.indexOf(' ', 2);
    return {
      type: 'untagged',
      name: upper(space < 0 ? text.slice(2) : text.slice(2, space)),
      number: undefined,
    };
  }
  const space = text.indexOf(' ');
  const space2 = space < 0 ? -1 : text.indexOf(' ', space + 1);
  return {
    type: 'tagged',
    tag: space < 0 ? text : text.slice(0, space),
    status: upper(space < 0 ? '' : space2 < 0 ? text.slice(space + 1) : text.slice(space + 1, space2)),
  };
}

const LOWER = /[a-z]/;

/** `word` in upper case, without a copy when it is already (the usual case). */
function upper(word: string): string {
  return LOWER.test(word) ? word.toUpperCase() : word;
}

/** Counts of untagged responses by name (FETCH, EXISTS, SEARCH, OK…). */
export class ResponseCounter {
  readonly counts = new Map<string, number>();

  add(name: string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }

  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  /** Every untagged response counted. */
  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }
}

/** The UID in a FETCH response's text (`UID 123`), or undefined. */
export function fetchUid(text: string): number | undefined {
  let at = text.indexOf('UID ');
  while (at > 0) {
    const before = text.charCodeAt(at - 1);
    if (before === 0x28 || before === 0x20) {
      let end = at + 4;
      let uid = 0;
      let code = text.charCodeAt(end);
      while (code >= 0x30 && code <= 0x39) {
        uid = uid * 10 + (code - 0x30);
        code = text.charCodeAt(++end);
      }
      if (end > at + 4) return uid;
    }
    at = text.indexOf('UID ', at + 4);
  }
  return undefined;
}

/** The flags of a FETCH response (`FLAGS (\Seen \Flagged)`), or undefined when it has none. */
export function fetchFlags(text: string): string[] | undefined {
  let at = text.indexOf('FLAGS (');
  while (at > 0) {
    const before = text.charCodeAt(at - 1);
    if (before === 0x28 || before === 0x20) {
      const close = text.indexOf(')', at + 7);
      if (close < 0) return undefined;
      const list = text.slice(at + 7, close).trim();
      return list === '' ? [] : list.indexOf(' ') < 0 ? [list] : list.split(/\s+/);
    }
    at = text.indexOf('FLAGS (', at + 7);
  }
  return undefined;
}

/** The numbers of an untagged SEARCH response (`* SEARCH 4 8 15`), or undefined for another response. */
export function searchNumbers(text: string): number[] | undefined {
  const match = /^\* SEARCH(?: (.*))?$/i.exec(text);
  if (!match) return undefined;
  const list = (match[1] ?? '').trim();
  // A MODSEQ clause (RFC 7162 §3.1.5) may follow the numbers in parentheses.
  return list === ''
    ? []
    : list
        .split(/\s+/)
        .filter((w) => /^\d+$/.test(w))
        .map(Number);
}

/** The value of a response code in a status response, e.g. `UIDNEXT` in `* OK [UIDNEXT 5] …`. */
export function responseCode(text: string, name: string): string | undefined {
  const match = new RegExp(`\\[${name}(?: ([^\\]]*))?\\]`, 'i').exec(text);
  return match ? (match[1] ?? '') : undefined;
}
