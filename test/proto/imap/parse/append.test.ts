import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bad, box, ok } from '../helpers.ts';

describe('APPEND (RFC 9051 §6.3.12)', () => {
  it('parses mailbox, flags, date-time and the message literal', () => {
    assert.deepEqual(ok('A003 APPEND saved-messages (\\Seen) {5}\r\nhello'), {
      name: 'APPEND',
      mailbox: box('saved-messages'),
      messages: [
        { flags: ['\\Seen'], internalDate: null, data: Buffer.from('hello'), binary: false, utf8: false },
      ],
    });
    const dated = ok('A1 APPEND INBOX " 7-Feb-1994 22:43:04 -0800" {2+}\r\nhi');
    assert.deepEqual(dated.name === 'APPEND' && dated.messages[0]!.internalDate, {
      time: new Date('1994-02-08T06:43:04Z'),
      offsetMinutes: -480,
    });
    const bare = ok('A1 APPEND INBOX {0}\r\n\r\n');
    assert.deepEqual(bare.name === 'APPEND' && bare.messages, [
      { flags: [], internalDate: null, data: Buffer.alloc(0), binary: false, utf8: false },
    ]);
    const both = ok('A1 APPEND INBOX (\\seen $Forwarded) "01-Jan-2024 00:00:00 +0000" {1}\r\nx');
    assert.deepEqual(both.name === 'APPEND' && both.messages[0]!.flags, ['\\Seen', '$Forwarded']);
  });

  it('accepts literal8 for binary messages (RFC 3516 §4.4)', () => {
    const c = ok('A1 APPEND Drafts (\\Draft) ~{3}\r\na\0b');
    assert.deepEqual(c.name === 'APPEND' && c.messages[0], {
      flags: ['\\Draft'],
      internalDate: null,
      data: Buffer.from('a\0b'),
      binary: true,
      utf8: false,
    });
  });

  it('accepts NUL in a plain literal (the session decides)', () => {
    const c = ok('A1 APPEND x {3}\r\na\0b');
    assert.equal(c.name === 'APPEND' && c.messages[0]!.binary, false);
  });

  it('parses several messages (MULTIAPPEND, RFC 3502 §6)', () => {
    const c = ok(
      'A003 APPEND saved-messages (\\Seen) {3}\r\none (\\Seen) " 7-Feb-1994 22:43:04 -0800" {3}\r\ntwo ~{5+}\r\nthree',
    );
    assert.ok(c.name === 'APPEND');
    assert.deepEqual(
      c.messages.map((m) => [m.flags, m.internalDate?.offsetMinutes ?? null, m.data.toString(), m.binary]),
      [
        [['\\Seen'], null, 'one', false],
        [['\\Seen'], -480, 'two', false],
        [[], null, 'three', true],
      ],
    );
  });

  it('reads the UTF8 (literal8) form of UTF8=ACCEPT clients (RFC 6855 §4), also in MULTIAPPEND', () => {
    const c = ok('A1 APPEND INBOX (\\Seen) UTF8 (~{3}\r\nGr\xfc) UTF8 (~{1+}\r\nx) {1}\r\ny');
    assert.ok(c.name === 'APPEND');
    assert.deepEqual(
      c.messages.map((m) => [m.flags, m.data.toString('latin1'), m.utf8]),
      [
        [['\\Seen'], 'Gr\xfc', true],
        [[], 'x', true],
        [[], 'y', false],
      ],
    );
    const spaced = ok('A1 APPEND INBOX utf8  (~{1}\r\nz)');
    assert.equal(
      spaced.name === 'APPEND' && spaced.messages[0]!.utf8,
      true,
      'case-insensitive, runs of spaces',
    );
  });

  it('refuses a malformed UTF8 form', () => {
    assert.match(bad('A1 APPEND INBOX UTF8 ({1}\r\nx)'), /literal8/);
    bad('A1 APPEND INBOX UTF8 (~{1}\r\nx');
    bad('A1 APPEND INBOX UTF8 ~{1}\r\nx');
    bad('A1 APPEND INBOX UTF8(~{1}\r\nx)');
    bad('A1 APPEND INBOX UTF8 (~{1}\r\nx))');
  });

  it('refuses malformed commands', () => {
    assert.match(bad('A1 APPEND INBOX "hello"'), /date-time|literal/);
    bad('A1 APPEND INBOX (\\Seen)');
    bad('A1 APPEND INBOX (\\Recent) {1}\r\nx');
    bad('A1 APPEND INBOX (\\Seen) "7-Feb-1994 22:43:04 -0800" {1}\r\nx');
    bad('A1 APPEND INBOX "31-Feb-1994 22:43:04 -0800" {1}\r\nx');
    bad('A1 APPEND INBOX "01-Feb-1994 24:00:00 -0800" {1}\r\nx');
    bad('A1 APPEND INBOX {1}\r\nx trailing');
    bad('A1 APPEND INBOX {1}\r\nx{1}\r\ny');
    bad('A1 APPEND INBOX');
  });
});
