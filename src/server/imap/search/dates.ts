/**
 * Dates for SEARCH (RFC 9051 §6.4.4): BEFORE/ON/SINCE compare the day of the internal date, and
 * SENTBEFORE/SENTON/SENTSINCE the day written in the Date header, both without time of day.
 * Loft's server timezone for internal dates is UTC.
 */
import { ZONES } from '../../../mime/date.ts';
import type { Envelope } from '../../../mime/index.ts';
import type { ImapDate } from '../../../proto/imap/parse/date.ts';

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a calendar date. */
export function dayOfDate(date: ImapDate): number {
  const d = new Date(0);
  d.setUTCFullYear(date.year, date.month - 1, date.day);
  return Math.floor(d.getTime() / DAY_MS);
}

/** The UTC day (days since 1970-01-01) of an instant in milliseconds. */
export function dayOfTime(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

// The zone after the time of day: `12:34[:56] +0200`, `+02:00` or a named zone.
const ZONE = /\d{1,2}:\d{1,2}(?::\d{1,2})?\s+(?:\([^)]*\)\s*)?(?:([+-])(\d{2}):?(\d{2})|([A-Za-z]{1,3}))\b/;

/** The zone offset written in a Date field value, in minutes (0 when none is found). */
export function zoneOffset(value: string): number {
  const m = ZONE.exec(value);
  if (!m) return 0;
  if (m[1] !== undefined) return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  return ZONES[m[4]!.toLowerCase()] ?? 0;
}

/**
 * The day of the Date header as written, "disregarding time and timezone" (RFC 9051 §6.4.4
 * SENTON): the instant moved into its own zone. Messages without a usable Date header use the
 * internal date instead, as Dovecot does.
 */
export function sentDay(envelope: Envelope, internalDate: number): number {
  if (envelope.time === undefined) return dayOfTime(internalDate);
  return dayOfTime(envelope.time + zoneOffset(envelope.date ?? '') * 60_000);
}

/** Compares a day with a key's date: BEFORE (earlier), ON (same), SINCE (same or later). */
export function compareDay(day: number, op: 'before' | 'on' | 'since', target: number): boolean {
  if (op === 'before') return day < target;
  if (op === 'on') return day === target;
  return day >= target;
}
