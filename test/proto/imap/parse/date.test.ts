import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImapDateTime } from '../../../../src/proto/imap/parse/index.ts';
import { bad, ok } from '../helpers.ts';

function dateTime(text: string): ImapDateTime | null {
  const c = ok(`A1 APPEND x ${text} {1+}\r\nm`);
  assert.ok(c.name === 'APPEND');
  return c.messages[0]!.internalDate;
}

describe('date-time (RFC 9051 §9)', () => {
  it('reads the instant and the zone', () => {
    assert.deepEqual(dateTime('"17-Jul-1996 02:44:25 -0700"'), {
      time: new Date('1996-07-17T09:44:25Z'),
      offsetMinutes: -420,
    });
    assert.deepEqual(dateTime('" 1-Jan-2000 00:00:00 +0530"'), {
      time: new Date('1999-12-31T18:30:00Z'),
      offsetMinutes: 330,
    });
    assert.deepEqual(dateTime('"01-jan-2000 00:00:00 -0000"'), {
      time: new Date('2000-01-01T00:00:00Z'),
      offsetMinutes: 0,
    });
    assert.deepEqual(dateTime('"29-Feb-2024 23:59:60 +0000"'), {
      time: new Date('2024-02-29T23:59:59Z'),
      offsetMinutes: 0,
    });
    assert.deepEqual(dateTime('"01-Jan-0099 00:00:00 +0000"')?.time.getUTCFullYear(), 99);
  });

  it('refuses malformed date-times', () => {
    for (const d of [
      '"1-Jan-2000 00:00:00 +0000"',
      '"01-Jan-00 00:00:00 +0000"',
      '"01-Jan-2000 0:00:00 +0000"',
      '"01-Jan-2000 00:00:00 0000"',
      '"01-Jan-2000 00:00:00 +00"',
      '"01-Jan-2000 00:60:00 +0000"',
      '"01-Jan-2000 00:00:00 +0060"',
      '"29-Feb-2023 00:00:00 +0000"',
      '"00-Jan-2000 00:00:00 +0000"',
      '01-Jan-2000',
    ]) {
      bad(`A1 APPEND x ${d} {1+}\r\nm`);
    }
  });
});

describe('date (RFC 9051 §9)', () => {
  it('accepts one or two day digits, quoted or not', () => {
    for (const d of ['1-Feb-1994', '01-Feb-1994', '"1-Feb-1994"', '01-FEB-1994']) {
      const c = ok(`A1 SEARCH ON ${d}`);
      assert.deepEqual(c.name === 'SEARCH' && c.key.type === 'date' && c.key.date, {
        year: 1994,
        month: 2,
        day: 1,
      });
    }
    for (const d of [
      '001-Feb-1994',
      '1-Feb-94',
      '"1-Feb-1994',
      '1-Feb-19940',
      '32-Jan-2000',
      '31-Apr-2000',
    ]) {
      bad(`A1 SEARCH ON ${d}`);
    }
  });
});
