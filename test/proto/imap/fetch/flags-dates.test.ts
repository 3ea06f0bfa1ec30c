import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FLAG_BITS, flagList, internalDate } from '../../../../src/proto/imap/fetch/flags-dates.ts';
import { FLAG_BITS as STORE_FLAG_BITS } from '../../../../src/store/store.ts';
import { render } from './helpers.ts';

/** RFC 9051 §9 `date-time` without its DQUOTEs. */
const DATE_TIME =
  /^( \d|\d\d)-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{4} \d\d:\d\d:\d\d [+-]\d{4}$/;

describe('FLAGS', () => {
  it('the bit values are those of the store', () => {
    assert.deepEqual({ ...FLAG_BITS }, { ...STORE_FLAG_BITS });
  });

  it('system flags in bit order, then keywords', () => {
    assert.equal(render(flagList(0, [])), '()');
    assert.equal(render(flagList(1, [])), '(\\Seen)');
    assert.equal(
      render(flagList(31, ['$Forwarded', 'Work'])),
      '(\\Seen \\Answered \\Flagged \\Deleted \\Draft $Forwarded Work)',
    );
    assert.equal(render(flagList(4 | 16, [])), '(\\Flagged \\Draft)');
  });

  it('\\Recent only when asked (IMAP4rev1 sessions)', () => {
    assert.equal(render(flagList(2, ['k'], { recent: true })), '(\\Answered \\Recent k)');
    assert.equal(render(flagList(2, ['k'], { recent: false })), '(\\Answered k)');
  });

  it('unknown bits are ignored; empty and repeated keywords dropped', () => {
    assert.equal(render(flagList(32 | 64 | 8, ['a', '', 'A', 'b', 'a'])), '(\\Deleted a b)');
  });
});

describe('INTERNALDATE (RFC 9051 §9 date-time)', () => {
  it('formats in UTC with a space-padded day', () => {
    assert.equal(internalDate(Date.UTC(2026, 10, 27, 21, 8, 42)), '27-Nov-2026 21:08:42 +0000');
    assert.equal(internalDate(Date.UTC(1996, 6, 7, 2, 3, 4, 999)), ' 7-Jul-1996 02:03:04 +0000');
    assert.equal(internalDate(0), ' 1-Jan-1970 00:00:00 +0000');
  });

  it('writes the time in a given zone', () => {
    const t = Date.UTC(2024, 0, 15, 9, 29, 59);
    assert.equal(internalDate(t, 60), '15-Jan-2024 10:29:59 +0100');
    assert.equal(internalDate(t, -(7 * 60)), '15-Jan-2024 02:29:59 -0700');
    assert.equal(internalDate(t, -(10 * 60)), '14-Jan-2024 23:29:59 -1000');
    assert.equal(internalDate(t, 5 * 60 + 30), '15-Jan-2024 14:59:59 +0530');
  });

  it('dates before 1970 and odd values still match the grammar', () => {
    assert.equal(internalDate(Date.UTC(1900, 0, 1)), ' 1-Jan-1900 00:00:00 +0000');
    assert.equal(internalDate(Number.NaN), ' 1-Jan-1970 00:00:00 +0000');
    assert.equal(internalDate(8.64e15), '31-Dec-9999 23:59:59 +0000');
    assert.equal(internalDate(-8.64e15), ' 1-Jan-0000 00:00:00 +0000');
    assert.match(internalDate(0, 1e9), DATE_TIME);
  });

  it('property: always the grammar, and the same instant when parsed back', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9998, 0, 1) }),
        fc.integer({ min: -12 * 60, max: 14 * 60 }),
        (time, offset) => {
          const text = internalDate(time, offset);
          assert.match(text, DATE_TIME);
          const [, day, mon, year, hh, mm, ss, sign, zh, zm] =
            /^ ?(\d+)-(\w+)-(\d+) (\d+):(\d+):(\d+) ([+-])(\d\d)(\d\d)$/.exec(text)!;
          const month = 'JanFebMarAprMayJunJulAugSepOctNovDec'.indexOf(mon!) / 3;
          const zone = (sign === '-' ? -1 : 1) * (Number(zh) * 60 + Number(zm));
          const local = new Date(0);
          local.setUTCFullYear(Number(year), month, Number(day));
          local.setUTCHours(Number(hh), Number(mm), Number(ss), 0);
          assert.equal(local.getTime() - zone * 60_000, Math.floor(time / 1000) * 1000);
        },
      ),
    );
  });
});
