import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bad, ok } from '../helpers.ts';

describe('LOGIN (RFC 9051 §6.2.3)', () => {
  it('takes atoms, quoted strings and literals', () => {
    assert.deepEqual(ok('a001 LOGIN SMITH SESAME'), { name: 'LOGIN', userid: 'SMITH', password: 'SESAME' });
    assert.deepEqual(ok('a LOGIN "fred smith" "pa\\"ss\\\\"'), {
      name: 'LOGIN',
      userid: 'fred smith',
      password: 'pa"ss\\',
    });
    assert.deepEqual(ok('a LOGIN {4}\r\nfred {7+}\r\nse cret'), {
      name: 'LOGIN',
      userid: 'fred',
      password: 'se cret',
    });
    assert.deepEqual(ok('a LOGIN user] ""'), { name: 'LOGIN', userid: 'user]', password: '' });
  });

  it('decodes UTF-8 and refuses other octets', () => {
    assert.deepEqual(
      ok('a LOGIN "jörg" "pässwörd"'.replace(/./gu, (c) => Buffer.from(c).toString('latin1'))),
      {
        name: 'LOGIN',
        userid: 'jörg',
        password: 'pässwörd',
      },
    );
    assert.match(bad('a LOGIN "j\xf6rg" x'), /UTF-8/);
  });

  it('refuses missing or extra arguments and NUL in literals', () => {
    bad('a LOGIN fred');
    bad('a LOGIN fred secret more');
    bad('a LOGIN (fred) secret');
    assert.match(bad('a LOGIN {3}\r\nf\0d x'), /NUL/);
  });
});
