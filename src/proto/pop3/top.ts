/**
 * TOP (RFC 1939 §7): which leading octets of a message the response carries — the header, the
 * blank line that ends it, and the first `n` lines of the body. Pure: works on a prefix of the
 * message's bytes, so a session can read only as much of a large message as it needs.
 *
 * Lines end at LF (stored messages use CRLF; a bare LF, should one be stored, ends a line too,
 * as the dot-stuffer treats it). A message without a blank line is all header and is returned
 * whole; a body with fewer than `n` lines is returned whole.
 */

const LF = 0x0a;
const CR = 0x0d;

/** What {@link topLength} found. */
export type TopResult =
  /** The TOP part is the first `length` octets of the message. */
  | { readonly kind: 'found'; readonly length: number }
  /** The prefix ends before the answer is known: read more of the message and ask again. */
  | { readonly kind: 'more' };

/**
 * Finds the end of the TOP part of a message from `prefix`, its first octets.
 *
 * @param prefix the message's first octets (the whole message when `complete`).
 * @param bodyLines `n`, the number of body lines wanted (non-negative; may be huge).
 * @param complete true when `prefix` is the whole message.
 * @returns `found` with the length of the TOP part (at most `prefix.length`), or `more` when
 *   `prefix` is not complete and does not yet contain the answer.
 */
export function topLength(prefix: Uint8Array, bodyLines: number, complete: boolean): TopResult {
  const whole = (): TopResult => (complete ? { kind: 'found', length: prefix.length } : { kind: 'more' });
  const bodyStart = headerEnd(prefix);
  if (bodyStart === undefined) return whole();
  let at = bodyStart;
  for (let line = 0; line < bodyLines; line++) {
    const lf = prefix.indexOf(LF, at);
    if (lf === -1) return whole();
    at = lf + 1;
  }
  return { kind: 'found', length: at };
}

/**
 * RFC 5322 §2.1: the header section ends at the first empty line. Returns the offset just past
 * that empty line (where the body starts), or undefined when `bytes` holds no empty line.
 */
export function headerEnd(bytes: Uint8Array): number | undefined {
  let start = 0;
  while (start < bytes.length) {
    const lf = bytes.indexOf(LF, start);
    if (lf === -1) return undefined;
    const length = lf - start;
    if (length === 0 || (length === 1 && bytes[start] === CR)) return lf + 1;
    start = lf + 1;
  }
  return undefined;
}
