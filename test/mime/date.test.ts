import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseDate } from '../../src/mime/date.ts';

describe('parseDate (RFC 5322 §3.3, §4.3)', () => {
  it('reads the standard form with a numeric zone', () => {
    assert.equal(parseDate('Fri, 21 Nov 1997 09:55:06 -0600'), Date.UTC(1997, 10, 21, 15, 55, 6));
    assert.equal(parseDate('1 Jan 2024 00:00:00 +0130'), Date.UTC(2023, 11, 31, 22, 30, 0));
  });

  it('reads obsolete and sloppy forms', () => {
    const noon = Date.UTC(2003, 6, 1, 12, 0, 0);
    assert.equal(parseDate('Tue, 1 Jul 03 12:00:00 GMT'), noon);
    assert.equal(parseDate('Tue, 1 Jul 103 12:00:00 UT'), noon);
    assert.equal(parseDate('Tue, 1 Jul 2003 08:00:00 EDT'), noon);
    assert.equal(parseDate('Tue,1 Jul 2003 12:00 (noon) +0000 (UTC)'), noon);
    assert.equal(parseDate('Tue Jul  1 12:00:00 2003'), noon);
    assert.equal(parseDate('1-Jul-2003 12:00:00 +0000'), noon);
    assert.equal(parseDate('1 July 2003 12:00:00 Z'), noon);
    assert.equal(parseDate('1 Jul 99 12:00:00'), Date.UTC(1999, 6, 1, 12, 0, 0));
    assert.equal(parseDate('1 Jul 2003'), Date.UTC(2003, 6, 1));
  });

  it('refuses what is not a date', () => {
    for (const bad of ['', 'yesterday', '31 Feb 2024 10:00:00 +0000', '1 Jan 2024 25:00:00', 'Jan 2024']) {
      assert.equal(parseDate(bad), undefined, bad);
    }
  });

  it('never throws; results are finite numbers', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (value) => {
        const t = parseDate(value);
        assert.ok(t === undefined || Number.isFinite(t));
      }),
      { numRuns: 2000 },
    );
  });
});
