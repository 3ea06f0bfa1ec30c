/**
 * The text side of SEARCH (RFC 9051 §6.4.4): the charsets a search may name, case-insensitive
 * substring matching after decoding, and the decoded header fields of a message's search text.
 */
import type { SearchText } from '../services.ts';

/** The charsets SEARCH accepts (RFC 9051 §6.4.4: US-ASCII and UTF-8 MUST be supported). */
export const SEARCH_CHARSETS = ['UTF-8', 'US-ASCII'] as const;

/**
 * Decodes a search string sent in `charset` (null: none named), or undefined when the charset is
 * not one we accept (answered `NO [BADCHARSET]`). Bytes that are not valid UTF-8 become U+FFFD,
 * so they match nothing rather than something unintended.
 */
export function decodeNeedle(value: Buffer, charset: string | null): string | undefined {
  if (charset !== null && !SEARCH_CHARSETS.includes(charset.toUpperCase() as 'UTF-8')) return undefined;
  return new TextDecoder('utf-8').decode(value);
}

/**
 * The form in which SEARCH compares text: Unicode NFC, lower case, final sigma as sigma. Two
 * strings match case-insensitively (RFC 9051 §6.4.4) when one folded holds the other folded.
 */
export function fold(text: string): string {
  return text.normalize('NFC').toLowerCase().replaceAll('\u03c2', '\u03c3');
}

/**
 * The decoded values of each header field in `headers` (the `Name: value` lines of
 * {@link SearchText}), by lower-case field name, folded.
 */
export function headerFields(headers: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  for (const line of headers.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = fold(line.slice(colon + 1).trim());
    const list = fields.get(name);
    if (list) list.push(value);
    else fields.set(name, [value]);
  }
  return fields;
}

/** A message's search text, folded once for all the keys that look at it. */
export class FoldedText {
  readonly headers: string;
  readonly body: string;
  #fields: Map<string, string[]> | undefined;
  readonly #rawHeaders: string;

  constructor(text: SearchText) {
    this.#rawHeaders = text.headers;
    this.headers = fold(text.headers);
    this.body = fold(text.body);
  }

  /** RFC 9051 §6.4.4 HEADER: a field named `field` whose value holds `needle` (any such field when empty). */
  header(field: string, needle: string): boolean {
    this.#fields ??= headerFields(this.#rawHeaders);
    const values = this.#fields.get(field);
    if (!values) return false;
    return needle === '' || values.some((v) => v.includes(needle));
  }
}
