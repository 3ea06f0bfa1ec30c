/**
 * The literal marker that ends a line of an IMAP command (RFC 9051 §4.3, §9 `literal`,
 * `literal8`; RFC 7888 §8 non-synchronizing forms): `{n}`, `{n+}`, `~{n}`, `~{n+}` followed by
 * CRLF announce `n` octets that follow the CRLF. Shared by the framer (which reads the octets)
 * and the parser (which checks the marker stands where the grammar allows a string).
 */

/** A literal marker found at the end of a line. */
export interface LiteralMarker {
  /** The announced octet count, or `null` when it is beyond {@link MAX_LITERAL_NUMBER}. */
  readonly size: number | null;
  /** False for a non-synchronizing literal `{n+}` (RFC 7888 §3). */
  readonly sync: boolean;
  /** True for `~{n}` (RFC 9051 §9 `literal8`, RFC 3516 §4.1): the octets may include NUL. */
  readonly binary: boolean;
  /** How many octets the marker takes at the end of the line. */
  readonly length: number;
}

/**
 * The largest literal size Loft can count (2^53 - 1). RFC 9051 §9 `number64` allows up to
 * 2^63 - 1, but no client sends that much; a larger count is reported as an overflow.
 */
export const MAX_LITERAL_NUMBER = Number.MAX_SAFE_INTEGER;

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const PLUS = 0x2b;
const TILDE = 0x7e;

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

/**
 * Finds the literal marker at the end of `line` (the line's octets without CRLF, or only its
 * last octets). Returns `null` when the line does not end with one.
 *
 * When `truncated` is true, `line` holds only the tail of a longer line: a run of digits that
 * reaches its start is taken as a marker whose size overflowed (the count cannot be read), so
 * that a too-long line never lets a literal's octets pass as commands.
 */
export function findLiteralMarker(line: Uint8Array, truncated = false): LiteralMarker | null {
  let i = line.length - 1;
  if (line[i] !== CLOSE_BRACE) return null;
  i--;
  const sync = line[i] !== PLUS;
  if (!sync) i--;
  const end = i + 1;
  while (isDigit(line[i])) i--;
  const start = i + 1;
  if (start === end) return null;
  if (i < 0) {
    return truncated ? { size: null, sync, binary: false, length: line.length } : null;
  }
  if (line[i] !== OPEN_BRACE) return null;
  const binary = line[i - 1] === TILDE;
  const length = line.length - i + (binary ? 1 : 0);
  return { size: literalNumber(line, start, end), sync, binary, length };
}

/**
 * Reads the digits `line[start, end)` as a literal size; `null` beyond {@link MAX_LITERAL_NUMBER}
 * (leading zeros are allowed, RFC 9051 §9 `number64 = 1*DIGIT`).
 */
function literalNumber(line: Uint8Array, start: number, end: number): number | null {
  let i = start;
  while (i < end - 1 && line[i] === 0x30) i++;
  if (end - i > 16) return null;
  let n = 0;
  for (; i < end; i++) n = n * 10 + (line[i]! - 0x30);
  return n <= MAX_LITERAL_NUMBER ? n : null;
}
