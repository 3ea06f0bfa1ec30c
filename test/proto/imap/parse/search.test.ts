import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SearchCommand, SearchKey } from '../../../../src/proto/imap/parse/index.ts';
import { bad, ok, seq } from '../helpers.ts';

function search(text: string): SearchCommand {
  const c = ok(text);
  assert.equal(c.name, 'SEARCH');
  return c as SearchCommand;
}

function key(criteria: string): SearchKey {
  return search(`A1 SEARCH ${criteria}`).key;
}

const text = (s: string) => Buffer.from(s, 'latin1');

describe('SEARCH (RFC 9051 §6.4.4)', () => {
  it('parses the RFC examples', () => {
    assert.deepEqual(search('A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"'), {
      name: 'SEARCH',
      uid: false,
      charset: null,
      returns: { min: true, max: false, all: false, count: true, save: false },
      key: {
        type: 'and',
        keys: [
          { type: 'flag', flag: '\\Flagged', set: true },
          { type: 'date', field: 'internal', op: 'since', date: { year: 1994, month: 2, day: 1 } },
          { type: 'not', key: { type: 'header', field: 'from', value: text('Smith') } },
        ],
      },
    });
    assert.deepEqual(search('A283 SEARCH RETURN () FLAGGED').returns, {
      min: false,
      max: false,
      all: true,
      count: false,
      save: false,
    });
    assert.deepEqual(key('TEXT "string not in mailbox"'), {
      type: 'text',
      value: text('string not in mailbox'),
    });
    const utf8 = search(
      'A285 SEARCH CHARSET UTF-8 TEXT {12}\r\n\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82',
    );
    assert.equal(utf8.charset, 'UTF-8');
    assert.deepEqual(utf8.key, { type: 'text', value: Buffer.from('Привет') });
    const nonSync = search(
      'A286 SEARCH CHARSET "UTF-8" TEXT {12+}\r\n\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82',
    );
    assert.equal(nonSync.charset, 'UTF-8');
    assert.deepEqual(search('A1 UID SEARCH 1:* UNDELETED'), {
      name: 'SEARCH',
      uid: true,
      charset: null,
      returns: null,
      key: {
        type: 'and',
        keys: [
          { type: 'seq', set: seq([1, '*']) },
          { type: 'flag', flag: '\\Deleted', set: false },
        ],
      },
    });
  });

  it('parses every flag key and its negation', () => {
    for (const [name, flag] of [
      ['ANSWERED', '\\Answered'],
      ['DELETED', '\\Deleted'],
      ['DRAFT', '\\Draft'],
      ['FLAGGED', '\\Flagged'],
      ['SEEN', '\\Seen'],
    ] as const) {
      assert.deepEqual(key(name), { type: 'flag', flag, set: true });
      assert.deepEqual(key(`UN${name.toLowerCase()}`), { type: 'flag', flag, set: false });
    }
    assert.deepEqual(key('ALL'), { type: 'all' });
    assert.deepEqual(key('KEYWORD $Forwarded'), { type: 'keyword', keyword: '$Forwarded', set: true });
    assert.deepEqual(key('UNKEYWORD Junk'), { type: 'keyword', keyword: 'Junk', set: false });
  });

  it('expands the IMAP4rev1 keys RECENT, NEW, OLD (RFC 3501 §6.4.4)', () => {
    assert.deepEqual(key('RECENT'), { type: 'recent', set: true });
    assert.deepEqual(key('OLD'), { type: 'recent', set: false });
    assert.deepEqual(key('NEW'), {
      type: 'and',
      keys: [
        { type: 'recent', set: true },
        { type: 'flag', flag: '\\Seen', set: false },
      ],
    });
  });

  it('parses header, body and text keys as raw octets', () => {
    for (const h of ['FROM', 'TO', 'CC', 'BCC', 'SUBJECT']) {
      assert.deepEqual(key(`${h} x`), { type: 'header', field: h.toLowerCase(), value: text('x') });
    }
    assert.deepEqual(key('HEADER Message-ID "<a@b>"'), {
      type: 'header',
      field: 'message-id',
      value: text('<a@b>'),
    });
    assert.deepEqual(key('HEADER X-Spam ""'), { type: 'header', field: 'x-spam', value: text('') });
    assert.deepEqual(key('BODY {3}\r\nabc'), { type: 'body', value: text('abc') });
    assert.deepEqual(key('SUBJECT "caf\xe9"'), {
      type: 'header',
      field: 'subject',
      value: Buffer.from([0x63, 0x61, 0x66, 0xe9]),
    });
  });

  it('parses dates, sizes, UID sets, $ and MODSEQ', () => {
    assert.deepEqual(key('BEFORE "1-Feb-1994"'), {
      type: 'date',
      field: 'internal',
      op: 'before',
      date: { year: 1994, month: 2, day: 1 },
    });
    assert.deepEqual(key('SENTON 29-feb-2024'), {
      type: 'date',
      field: 'sent',
      op: 'on',
      date: { year: 2024, month: 2, day: 29 },
    });
    assert.deepEqual(key('SENTBEFORE 01-Jan-2000').type, 'date');
    assert.deepEqual(key('SENTSINCE 01-Jan-2000').type, 'date');
    assert.deepEqual(key('ON 01-Jan-2000').type, 'date');
    assert.deepEqual(key('LARGER 1000'), { type: 'size', op: 'larger', size: 1000 });
    assert.deepEqual(key('SMALLER 9223372036854775807'), {
      type: 'size',
      op: 'smaller',
      size: Number.MAX_SAFE_INTEGER,
    });
    assert.deepEqual(key('UID 1:5,7'), { type: 'uid', set: seq([1, 5], [7, 7]) });
    assert.deepEqual(key('UID $'), { type: 'uid', set: { kind: 'saved' } });
    assert.deepEqual(key('$'), { type: 'seq', set: { kind: 'saved' } });
    assert.deepEqual(key('MODSEQ 620162338'), { type: 'modseq', modSeq: 620162338n, entry: null });
    assert.deepEqual(key('MODSEQ "/flags/\\\\draft" all 620162338'), {
      type: 'modseq',
      modSeq: 620162338n,
      entry: { name: '/flags/\\draft', type: 'all' },
    });
  });

  it('parses nested OR, NOT and parentheses', () => {
    assert.deepEqual(key('OR (SEEN FLAGGED) NOT (DELETED)'), {
      type: 'or',
      left: {
        type: 'and',
        keys: [
          { type: 'flag', flag: '\\Seen', set: true },
          { type: 'flag', flag: '\\Flagged', set: true },
        ],
      },
      right: { type: 'not', key: { type: 'flag', flag: '\\Deleted', set: true } },
    });
    assert.deepEqual(key('OR OR 1 2 3'), {
      type: 'or',
      left: { type: 'or', left: { type: 'seq', set: seq([1, 1]) }, right: { type: 'seq', set: seq([2, 2]) } },
      right: { type: 'seq', set: seq([3, 3]) },
    });
  });

  it('parses RETURN options, SAVE included (RFC 4731, RFC 5182)', () => {
    assert.deepEqual(search('A1 UID SEARCH RETURN (SAVE) FLAGGED').returns, {
      min: false,
      max: false,
      all: false,
      count: false,
      save: true,
    });
    assert.deepEqual(search('A1 SEARCH RETURN (MIN MAX ALL COUNT SAVE) ALL').returns, {
      min: true,
      max: true,
      all: true,
      count: true,
      save: true,
    });
  });

  it('refuses malformed searches', () => {
    assert.match(bad('A1 SEARCH FOO'), /Unknown search key FOO/);
    assert.match(bad('A1 SEARCH RETURN (PARTIAL 1:10) ALL'), /Unknown SEARCH return option/);
    bad('A1 SEARCH');
    bad('A1 SEARCH CHARSET UTF-8');
    bad('A1 SEARCH OR SEEN');
    bad('A1 SEARCH NOT');
    bad('A1 SEARCH (SEEN');
    bad('A1 SEARCH ()');
    bad('A1 SEARCH SINCE 1994-02-01');
    bad('A1 SEARCH SINCE 30-Feb-1994');
    bad('A1 SEARCH SINCE 1-Foo-1994');
    bad('A1 SEARCH LARGER x');
    bad('A1 SEARCH LARGER 99999999999999999999');
    bad('A1 SEARCH HEADER "Bad Field" x');
    bad('A1 SEARCH HEADER "" x');
    bad('A1 SEARCH KEYWORD \\Seen');
    bad('A1 SEARCH UID 0');
    bad('A1 SEARCH 1,$');
    bad('A1 SEARCH MODSEQ "/flags/x" foo 1');
    bad('A1 SEARCH TEXT {3}\r\na\0b');
  });
});
