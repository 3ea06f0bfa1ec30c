import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bad, ok } from '../helpers.ts';

/** The octets of `text` as the password of a LOGIN command, through `astring`. */
function astring(text: string): string {
  const c = ok(`A1 LOGIN u ${text}`);
  assert.ok(c.name === 'LOGIN');
  return c.password;
}

describe('strings (RFC 9051 §4.3, §9 astring)', () => {
  it('reads atoms with "]" and quoted strings with escapes', () => {
    assert.equal(astring('abc]'), 'abc]');
    assert.equal(astring('"a b"'), 'a b');
    assert.equal(astring('"\\"\\\\"'), '"\\');
    assert.equal(astring('""'), '');
  });

  it('reads literals, synchronizing or not', () => {
    assert.equal(astring('{5}\r\na b c'), 'a b c');
    assert.equal(astring('{0+}\r\n\r\n'), '');
    assert.equal(astring('{2}\r\n\r\n\r\n'), '\r\n');
  });

  it('refuses bad escapes, unterminated quotes, control characters', () => {
    bad('A1 LOGIN u "\\a"');
    bad('A1 LOGIN u "abc');
    bad('A1 LOGIN u "a\nb"');
    bad('A1 LOGIN u "a\rb"');
    bad('A1 LOGIN u "a\0b"');
    bad('A1 LOGIN u a%b');
    bad('A1 LOGIN u a*b');
    bad('A1 LOGIN u (a)');
    bad('A1 LOGIN u ~{1}\r\nx');
    bad('A1 LOGIN u a{1}\r\nx');
  });

  it('tolerates runs of spaces and trailing spaces, as Dovecot', () => {
    const c = ok('A1  LOGIN   u    p   ');
    assert.deepEqual(c, { name: 'LOGIN', userid: 'u', password: 'p' });
  });
});
