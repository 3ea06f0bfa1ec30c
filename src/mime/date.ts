/**
 * The Date field (RFC 5322 §3.3 `date-time`) with the obsolete forms of §4.3 (two- and three-digit
 * years, named zones, comments anywhere) and the common deviations of real mail (missing
 * weekday or seconds or zone, asctime order, `1-Jan-2024`), for IMAP SEARCH SENT* and SORT.
 */

import { cursor, skipCfws } from './lexer.ts';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** RFC 5322 §4.3 obs-zone, in minutes east of UTC. Military letters are taken as +0000 (§4.3). */
export const ZONES: Readonly<Record<string, number>> = {
  ut: 0,
  utc: 0,
  gmt: 0,
  z: 0,
  est: -300,
  edt: -240,
  cst: -360,
  cdt: -300,
  mst: -420,
  mdt: -360,
  pst: -480,
  pdt: -420,
};

/**
 * Parses a Date field value to milliseconds since the epoch, or undefined when no day, month and
 * year can be found or a field is out of range. A missing time is midnight; a missing or unknown
 * zone is +0000 (RFC 5322 §4.3 "-0000"). Never throws.
 */
export function parseDate(value: string): number | undefined {
  let day: number | undefined;
  let month: number | undefined;
  let year: number | undefined;
  let time: [number, number, number] | undefined;
  let offset: number | undefined;
  for (const word of words(value)) {
    const lower = word.toLowerCase();
    const m = MONTHS.indexOf(lower.slice(0, 3));
    if (m !== -1 && /^[a-z]+\.?$/.test(lower)) {
      if (month === undefined) month = m;
      continue;
    }
    const t = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?$/.exec(word);
    if (t !== null) {
      time ??= [Number(t[1]), Number(t[2]), Number(t[3] ?? 0)];
      continue;
    }
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(word);
    if (z !== null && time !== undefined) {
      offset ??= (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3]));
      continue;
    }
    if (Object.hasOwn(ZONES, lower) && time !== undefined) {
      offset ??= ZONES[lower];
      continue;
    }
    if (/^\d+$/.test(word)) {
      const n = Number(word);
      if (day === undefined && word.length <= 2 && n >= 1 && n <= 31 && year === undefined) day = n;
      else if (year === undefined) year = obsYear(word);
      else if (day === undefined && word.length <= 2 && n >= 1 && n <= 31) day = n;
    }
  }
  if (day === undefined || month === undefined || year === undefined) return undefined;
  const [hour, minute, second] = time ?? [0, 0, 0];
  if (hour > 23 || minute > 59 || second > 60 || year > 9999) return undefined;
  const ms = Date.UTC(year, month, day, hour, minute, Math.min(second, 59));
  if (new Date(ms).getUTCDate() !== day) return undefined; // 31 Feb and the like
  return ms - (offset ?? 0) * 60_000;
}

/** RFC 5322 §4.3: two-digit years below 50 are 20xx, others 19xx; three-digit years add 1900. */
function obsYear(digits: string): number {
  const n = Number(digits);
  if (digits.length === 2) return n < 50 ? 2000 + n : 1900 + n;
  if (digits.length === 3) return 1900 + n;
  return n;
}

/** The words of the value with comments removed, split at white space, commas and `d-Mon-y` dashes. */
function words(value: string): string[] {
  const c = cursor(value);
  // Without a comment (the usual Date field) the value is split as it is.
  let text = value.includes('(') ? '' : value;
  if (text !== '') c.i = value.length;
  while (c.i < value.length) {
    if (value[c.i] === '(') {
      skipCfws(c);
      text += ' ';
    } else {
      text += value[c.i++];
    }
  }
  const out: string[] = [];
  for (const word of text.split(/[\s,]+/)) {
    if (word === '') continue;
    const dashed = /^(\d{1,2})-([A-Za-z]{3,})-(\d{2,4})$/.exec(word);
    if (dashed !== null) out.push(dashed[1]!, dashed[2]!, dashed[3]!);
    else out.push(word);
  }
  return out;
}
