import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FetchCommand, FetchItem } from '../../../../src/proto/imap/parse/index.ts';
import { bad, ok, seq } from '../helpers.ts';

function fetch(text: string): FetchCommand {
  const c = ok(text);
  assert.equal(c.name, 'FETCH');
  return c as FetchCommand;
}

function items(spec: string): readonly FetchItem[] {
  return fetch(`A1 FETCH 1 ${spec}`).items;
}

describe('FETCH (RFC 9051 §6.4.5)', () => {
  it('expands the macros', () => {
    assert.deepEqual(fetch('a003 fetch 12 full'), {
      name: 'FETCH',
      uid: false,
      set: seq([12, 12]),
      items: [
        { type: 'FLAGS' },
        { type: 'INTERNALDATE' },
        { type: 'RFC822.SIZE' },
        { type: 'ENVELOPE' },
        { type: 'BODY' },
      ],
      macro: 'FULL',
      changedSince: null,
      vanished: false,
    });
    assert.deepEqual(
      fetch('A1 FETCH 1:* ALL').items.map((i) => i.type),
      ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
    );
    assert.deepEqual(fetch('A1 FETCH 1:* FAST').macro, 'FAST');
    bad('A1 FETCH 1 (ALL)');
    bad('A1 FETCH 1 ALLX');
  });

  it('parses the simple items', () => {
    const names = [
      'ENVELOPE',
      'FLAGS',
      'INTERNALDATE',
      'RFC822.SIZE',
      'BODY',
      'BODYSTRUCTURE',
      'UID',
      'MODSEQ',
    ];
    assert.deepEqual(
      items(`(${names.join(' ')})`),
      names.map((type) => ({ type })),
    );
    assert.deepEqual(items('(rfc822 RFC822.HEADER rfc822.text)'), [
      { type: 'RFC822' },
      { type: 'RFC822.HEADER' },
      { type: 'RFC822.TEXT' },
    ]);
    assert.deepEqual(items('uid'), [{ type: 'UID' }]);
  });

  it('parses BODY[section]<partial> and BODY.PEEK', () => {
    assert.deepEqual(items('body[header]'), [
      { type: 'BODY[]', peek: false, section: { part: [], kind: 'HEADER' }, partial: null },
    ]);
    assert.deepEqual(items('BODY[]'), [
      { type: 'BODY[]', peek: false, section: { part: [] }, partial: null },
    ]);
    assert.deepEqual(items('(FLAGS BODY[HEADER.FIELDS (DATE FROM)])')[1], {
      type: 'BODY[]',
      peek: false,
      section: { part: [], kind: 'HEADER.FIELDS', fields: ['DATE', 'FROM'] },
      partial: null,
    });
    assert.deepEqual(items('BODY.PEEK[1.2.HEADER.FIELDS.NOT ("X-Spam" {4}\r\nDate)]<0.2048>'), [
      {
        type: 'BODY[]',
        peek: true,
        section: { part: [1, 2], kind: 'HEADER.FIELDS.NOT', fields: ['X-Spam', 'Date'] },
        partial: { origin: 0, count: 2048 },
      },
    ]);
    assert.deepEqual(items('BODY[4.2.2.1]')[0], {
      type: 'BODY[]',
      peek: false,
      section: { part: [4, 2, 2, 1] },
      partial: null,
    });
    assert.deepEqual(items('BODY[3.MIME]')[0], {
      type: 'BODY[]',
      peek: false,
      section: { part: [3], kind: 'MIME' },
      partial: null,
    });
    assert.deepEqual(items('BODY[2.text]')[0], {
      type: 'BODY[]',
      peek: false,
      section: { part: [2], kind: 'TEXT' },
      partial: null,
    });
    assert.deepEqual(items('BODY[]<007.1>')[0], {
      type: 'BODY[]',
      peek: false,
      section: { part: [] },
      partial: { origin: 7, count: 1 },
    });
    assert.deepEqual(items('BODY[TEXT]<100.1>')[0], {
      type: 'BODY[]',
      peek: false,
      section: { part: [], kind: 'TEXT' },
      partial: { origin: 100, count: 1 },
    });
  });

  it('parses BINARY, BINARY.PEEK and BINARY.SIZE (RFC 3516)', () => {
    assert.deepEqual(items('(BINARY[1] BINARY.PEEK[1.2]<0.10> BINARY.SIZE[] BINARY[])'), [
      { type: 'BINARY', peek: false, part: [1], partial: null },
      { type: 'BINARY', peek: true, part: [1, 2], partial: { origin: 0, count: 10 } },
      { type: 'BINARY.SIZE', part: [] },
      { type: 'BINARY', peek: false, part: [], partial: null },
    ]);
  });

  it('parses PREVIEW and PREVIEW (LAZY) (RFC 8970)', () => {
    assert.deepEqual(items('(PREVIEW)'), [{ type: 'PREVIEW', lazy: false }]);
    assert.deepEqual(items('(UID PREVIEW (LAZY) FLAGS)'), [
      { type: 'UID' },
      { type: 'PREVIEW', lazy: true },
      { type: 'FLAGS' },
    ]);
    const mods = fetch('A1 UID FETCH 1:* PREVIEW (CHANGEDSINCE 5)');
    assert.deepEqual([mods.items, mods.changedSince], [[{ type: 'PREVIEW', lazy: false }], 5n]);
    bad('A1 FETCH 1 (PREVIEW (LAZY FOO))');
  });

  it('parses CHANGEDSINCE and VANISHED (RFC 7162)', () => {
    const c = fetch('s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)');
    assert.deepEqual([c.uid, c.set, c.changedSince, c.vanished], [true, seq([300, 500]), 12345n, true]);
    assert.match(bad('s1 FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)'), /VANISHED/);
    assert.match(bad('s1 UID FETCH 1:* (FLAGS) (VANISHED)'), /VANISHED/);
    bad('s1 FETCH 1:* (FLAGS) (CHANGEDSINCE 0)');
    bad('s1 FETCH 1:* (FLAGS) (FOO)');
    bad('s1 FETCH 1:* (FLAGS) ()');
  });

  it('refuses malformed items', () => {
    assert.match(bad('A1 FETCH 1 (FOO)'), /Unknown FETCH item FOO/);
    bad('A1 FETCH 1 BODY.PEEK');
    bad('A1 FETCH 1 BODY[MIME]');
    bad('A1 FETCH 1 BODY[0]');
    bad('A1 FETCH 1 BODY[01]');
    bad('A1 FETCH 1 BODY[1.0]');
    bad('A1 FETCH 1 BODY[1.]');
    bad('A1 FETCH 1 BODY[1.FOO]');
    bad('A1 FETCH 1 BODY[HEADER.FIELDS]');
    bad('A1 FETCH 1 BODY[HEADER.FIELDS ()]');
    bad('A1 FETCH 1 BODY[HEADER.FIELDS (A:B)]');
    bad('A1 FETCH 1 BODY[]<0.0>');
    bad('A1 FETCH 1 BODY[]<5>');
    bad('A1 FETCH 1 BINARY[TEXT]');
    bad('A1 FETCH 1 BINARY.SIZE[1]<0.1>');
    bad('A1 FETCH 1 ()');
    bad('A1 FETCH 1');
    bad('A1 FETCH (FLAGS)');
    bad('A1 FETCH 1 (FLAGS');
  });
});
