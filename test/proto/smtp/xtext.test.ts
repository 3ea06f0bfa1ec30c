import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeUtf8AddrXtext,
  decodeXtext,
  encodeUtf8AddrXtext,
  encodeXtext,
} from '../../../src/proto/smtp/xtext.ts';

describe('xtext (RFC 3461 §4)', () => {
  it('decodes xchars and +XX', () => {
    assert.equal(decodeXtext('QQ314159'), 'QQ314159');
    assert.equal(decodeXtext('a+2Bb+3Dc'), 'a+b=c');
    assert.equal(decodeXtext('+2b'), '+'); // lower-case hex tolerated
    assert.equal(decodeXtext(''), '');
    assert.equal(decodeXtext('+C3+A4'), 'ä');
  });

  it('refuses malformed xtext', () => {
    for (const s of ['a+', 'a+2', 'a+GG', 'a=b', 'a b', 'ä', '+C3']) assert.equal(decodeXtext(s), null, s);
  });

  it('encodes +, =, space, controls and 8-bit as +XX', () => {
    assert.equal(encodeXtext('a+b=c d\r'), 'a+2Bb+3Dc+20d+0D');
    assert.equal(encodeXtext('ä'), '+C3+A4');
  });

  it('round-trips any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const e = encodeXtext(s);
        assert.match(e, /^[!-~]*$/);
        assert.equal(decodeXtext(e), s);
      }),
    );
  });
});

describe('utf-8-addr-xtext (RFC 6533 §3)', () => {
  it('decodes \\x{HEX} escapes', () => {
    assert.equal(decodeUtf8AddrXtext('j\\x{F6}rg@example.com', false), 'jörg@example.com');
    assert.equal(decodeUtf8AddrXtext('a\\x{1F600}', false), 'a😀');
  });

  it('accepts raw UTF-8 only as unitext', () => {
    assert.equal(decodeUtf8AddrXtext('jörg@x', false), null);
    assert.equal(decodeUtf8AddrXtext('jörg@x', true), 'jörg@x');
  });

  it('refuses malformed escapes and excluded characters', () => {
    for (const s of ['\\x{}', '\\x{D800}', '\\x{110000}', '\\x41', 'a+b', 'a\\b', 'a b']) {
      assert.equal(decodeUtf8AddrXtext(s, true), null, s);
    }
  });

  it('round-trips any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const e = encodeUtf8AddrXtext(s);
        assert.match(e, /^[!-~]*$/);
        assert.equal(decodeUtf8AddrXtext(e, false), s);
      }),
    );
  });
});
