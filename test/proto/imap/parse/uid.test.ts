import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bad, ok } from '../helpers.ts';

describe('UID (RFC 9051 §6.4.9)', () => {
  it('prefixes COPY, MOVE, FETCH, SEARCH, STORE and EXPUNGE', () => {
    for (const [text, name] of [
      ['A1 UID COPY 1 x', 'COPY'],
      ['A1 uid move 1 x', 'MOVE'],
      ['A999 UID FETCH 4827313:4828442 FLAGS', 'FETCH'],
      ['A1 UID SEARCH ALL', 'SEARCH'],
      ['A1 UID STORE 1 FLAGS ()', 'STORE'],
      ['A1 UID EXPUNGE 1', 'EXPUNGE'],
    ]) {
      const c = ok(text!);
      assert.equal(c.name, name);
      assert.equal('uid' in c && c.uid, true);
    }
  });

  it('refuses other commands', () => {
    assert.match(bad('A1 UID NOOP'), /Unknown UID command NOOP/);
    bad('A1 UID');
    bad('A1 UID UID FETCH 1 FLAGS');
  });
});
