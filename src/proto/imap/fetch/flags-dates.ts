/**
 * FETCH FLAGS (RFC 9051 §2.3.2, §7.5.2) from the stored flag bits and keywords, and INTERNALDATE
 * (RFC 9051 §2.3.3, §9 `date-time`) from the stored time.
 */

import { atom, type ImapAtom } from '../value.ts';

/**
 * The system flags as the store keeps them, one bit each. A copy of `FLAG_BITS` in
 * `src/store/store.ts` (protocol code may not import the store); a test checks that they match.
 */
export const FLAG_BITS = {
  '\\Seen': 1,
  '\\Answered': 2,
  '\\Flagged': 4,
  '\\Deleted': 8,
  '\\Draft': 16,
} as const;

/** A system flag the store keeps as a bit (\Recent is per session, never stored). */
export type StoredSystemFlag = keyof typeof FLAG_BITS;

/** Options of {@link flagList}. */
export interface FlagListOptions {
  /** Adds \Recent (IMAP4rev1 sessions only: RFC 9051 removed it, RFC 3501 §2.3.2 has it). */
  recent?: boolean;
}

const SYSTEM_FLAGS = Object.entries(FLAG_BITS) as [StoredSystemFlag, number][];

/**
 * The FLAGS list (RFC 9051 §9 `msg-att-dynamic = "FLAGS" SP "(" [flag-fetch *(SP flag-fetch)] ")"`):
 * the system flags whose bit is set in `bits` (\Seen, \Answered, \Flagged, \Deleted, \Draft in
 * that order), \Recent when asked, then the keywords in stored order, without empty ones or
 * duplicates (compared case-insensitively). Unknown bits are ignored. Never throws.
 */
export function flagList(
  bits: number,
  keywords: readonly string[],
  options: FlagListOptions = {},
): ImapAtom[] {
  const out: ImapAtom[] = [];
  for (const [name, bit] of SYSTEM_FLAGS) if ((bits & bit) !== 0) out.push(atom(name));
  if (options.recent === true) out.push(atom('\\Recent'));
  const seen = new Set<string>();
  for (const keyword of keywords) {
    const key = keyword.toLowerCase();
    if (keyword === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(atom(keyword));
  }
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** The earliest time a four-digit year can express: 0000-01-01T00:00:00Z. */
const MIN_TIME = -62_167_219_200_000;
/** The latest time a four-digit year can express: 9999-12-31T23:59:59Z. */
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59);
/** The widest zone offset `zone = ("+" / "-") 4DIGIT` can write: ±99:59. */
const MAX_OFFSET = 99 * 60 + 59;

/**
 * INTERNALDATE (RFC 9051 §9 `date-time`, without its DQUOTEs, which the encoder adds):
 * `"dd-Mon-yyyy hh:mm:ss +zzzz"`, the day padded with a space (`date-day-fixed`), e.g.
 * `" 7-Nov-2026 21:08:42 +0000"`. `time` is in ms since the epoch, `offsetMinutes` the zone to
 * write it in (east positive; default UTC). Times outside years 0–9999 and non-finite values are
 * clamped, so the result always matches the grammar. Never throws.
 */
export function internalDate(time: number, offsetMinutes = 0): string {
  const offset = Number.isFinite(offsetMinutes)
    ? Math.max(-MAX_OFFSET, Math.min(MAX_OFFSET, Math.trunc(offsetMinutes)))
    : 0;
  const utc = Number.isFinite(time) ? Math.floor(time) : 0;
  const d = new Date(Math.max(MIN_TIME, Math.min(MAX_TIME, utc + offset * 60_000)));
  const day = String(d.getUTCDate()).padStart(2, ' ');
  const month = MONTHS[d.getUTCMonth()]!;
  const year = String(d.getUTCFullYear()).padStart(4, '0');
  const clock = [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()].map(two).join(':');
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${day}-${month}-${year} ${clock} ${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}
