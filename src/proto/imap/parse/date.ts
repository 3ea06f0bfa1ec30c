/** Dates in commands: SEARCH dates and the APPEND date-time (RFC 9051 §9 `date`, `date-time`). */

import type { Cursor } from './cursor.ts';

/** A calendar date (RFC 9051 §9 `date`): SEARCH compares dates without time or zone. */
export interface ImapDate {
  readonly year: number;
  /** 1 to 12. */
  readonly month: number;
  readonly day: number;
}

/** An APPEND internal date (RFC 9051 §9 `date-time`): the instant and the zone it was written in. */
export interface ImapDateTime {
  readonly time: Date;
  /** The zone offset east of UTC in minutes (`-0800` is -480). */
  readonly offsetMinutes: number;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** Milliseconds since the epoch of a UTC date and time (years below 100 included). */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

function daysInMonth(year: number, month: number): number {
  return new Date(utc(year, month + 1, 0)).getUTCDate();
}

function checkDate(c: Cursor, year: number, monthName: string, day: number): ImapDate {
  const month = MONTHS.indexOf(monthName.toUpperCase()) + 1;
  if (month === 0) c.fail('Invalid month');
  if (day < 1 || day > daysInMonth(year, month)) c.fail('Invalid day');
  return { year, month, day };
}

// date-text = date-day "-" date-month "-" date-year; date-day = 1*2DIGIT; date-year = 4DIGIT
const DATE_TEXT = /([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})(?![0-9])/y;

/** RFC 9051 §9 `date = date-text / DQUOTE date-text DQUOTE`. */
export function date(c: Cursor): ImapDate {
  const quoted = c.accept('"');
  const text = c.match(DATE_TEXT, 'a date (d-Mon-yyyy)');
  if (quoted) c.expect('"', 'a closing quote');
  const m = /^(\d+)-(\w+)-(\d+)$/.exec(text)!;
  return checkDate(c, Number(m[3]), m[2]!, Number(m[1]));
}

// date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
// date-day-fixed = (SP DIGIT) / 2DIGIT; time = 2DIGIT ":" 2DIGIT ":" 2DIGIT; zone = ("+" / "-") 4DIGIT
const DATE_TIME =
  /"([ 0-9][0-9])-([A-Za-z]{3})-([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})"/y;

/** RFC 9051 §9 `date-time`, e.g. `"17-Jul-1996 02:44:25 -0700"`. */
export function dateTime(c: Cursor): ImapDateTime {
  const text = c.match(DATE_TIME, 'a date-time');
  const m = new RegExp(DATE_TIME.source).exec(text)!;
  const d = checkDate(c, Number(m[3]), m[2]!, Number(m[1]!.trim()));
  const [hour, minute, second, zh, zm] = [m[4], m[5], m[6], m[8], m[9]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  if (hour > 23 || minute > 59 || second > 60 || zm > 59) c.fail('Invalid date-time');
  const offsetMinutes = (m[7] === '-' ? -1 : 1) * (zh * 60 + zm) || 0;
  // A leap second (60) is read as 59: Date has no leap seconds.
  const local = utc(d.year, d.month, d.day, hour, minute, Math.min(second, 59));
  return { time: new Date(local - offsetMinutes * 60_000), offsetMinutes };
}
