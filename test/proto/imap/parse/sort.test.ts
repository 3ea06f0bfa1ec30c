import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SortCommand } from '../../../../src/proto/imap/parse/index.ts';
import { bad, ok } from '../helpers.ts';

function sort(text: string): SortCommand {
  const c = ok(text);
  assert.equal(c.name, 'SORT');
  return c as SortCommand;
}

describe('SORT (RFC 5256 §4, RFC 5957, RFC 5267)', () => {
  it('parses the RFC 5256 examples, whole and in chunks', () => {
    assert.deepEqual(sort('A282 SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994'), {
      name: 'SORT',
      uid: false,
      criteria: [{ key: 'SUBJECT', reverse: false }],
      charset: 'UTF-8',
      returns: null,
      key: { type: 'date', field: 'internal', op: 'since', date: { year: 1994, month: 2, day: 1 } },
    });
    const c = sort('A283 SORT (SUBJECT REVERSE DATE) UTF-8 ALL');
    assert.deepEqual(c.criteria, [
      { key: 'SUBJECT', reverse: false },
      { key: 'DATE', reverse: true },
    ]);
    assert.deepEqual(c.key, { type: 'all' });
    const u = sort('A284 SORT (SUBJECT) US-ASCII TEXT "not in mailbox"');
    assert.equal(u.charset, 'US-ASCII');
    assert.deepEqual(u.key, { type: 'text', value: Buffer.from('not in mailbox') });
  });

  it('UID SORT, every key, lower case, a quoted charset and a literal in the keys', () => {
    const c = sort(
      'a1 uid sort (arrival cc date from size subject to displayfrom reverse displayto) "utf-8" FROM {7}\r\nMüller'.replace(
        'Müller',
        'M\xc3\xbcller',
      ),
    );
    assert.equal(c.uid, true);
    assert.deepEqual(
      c.criteria.map((x) => `${x.reverse ? '-' : ''}${x.key}`),
      ['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', '-DISPLAYTO'],
    );
    assert.equal(c.charset, 'utf-8');
    assert.deepEqual(c.key, { type: 'header', field: 'from', value: Buffer.from('Müller') });
  });

  it('several search keys are combined with AND', () => {
    const c = sort('A1 SORT (ARRIVAL) UTF-8 SEEN LARGER 10 UID 1:5');
    assert.equal(c.key.type, 'and');
    assert.equal((c.key as { readonly keys: readonly unknown[] }).keys.length, 3);
  });

  it('ESORT: RETURN options before the criteria (RFC 5267 §3.2)', () => {
    const c = sort('A282 SORT RETURN (MIN MAX COUNT ALL) (DATE) UTF-8 SINCE 1-Feb-1994');
    assert.deepEqual(c.returns, { min: true, max: true, all: true, count: true, save: false });
    assert.deepEqual(sort('A1 SORT RETURN () (SIZE) UTF-8 ALL').returns, {
      min: false,
      max: false,
      all: true,
      count: false,
      save: false,
    });
  });

  it('refuses what the grammar does not allow', () => {
    bad('A1 SORT (SUBJECT) ALL'); // the charset is required: ALL is taken as one, then no key
    bad('A1 SORT SUBJECT UTF-8 ALL');
    bad('A1 SORT () UTF-8 ALL');
    bad('A1 SORT (THREAD) UTF-8 ALL');
    bad('A1 SORT (REVERSE) UTF-8 ALL');
    bad('A1 SORT (REVERSE REVERSE DATE) UTF-8 ALL');
    bad('A1 SORT (DATE) UTF-8');
    bad('A1 SORT (DATE) UTF-8 ');
    bad('A1 SORT RETURN (PARTIAL) (DATE) UTF-8 ALL');
    bad('A1 SORT (DATE) UTF-8 FROBNICATE');
    bad('A1 UID SORT');
  });
});
