import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeBase64Strict, decodeUtf8Strict } from '../../../src/proto/sasl/encoding.ts';

describe('decodeBase64Strict', () => {
  it('decodes canonical base64 (RFC 4648 §10 test vectors)', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, encoded] of vectors) {
      assert.deepEqual(decodeBase64Strict(encoded), Buffer.from(plain), encoded);
    }
  });

  it('decodes the empty string to an empty buffer', () => {
    assert.equal(decodeBase64Strict('')?.length, 0);
  });

  for (const [name, text] of [
    ['missing padding', 'Zg'],
    ['missing one pad', 'Zm8'],
    ['too much padding', 'Zg==='],
    ['padding in the middle', 'Zg==Zm9v'],
    ['a single pad', '='],
    ['only pads', '===='],
    ['a space', 'Zm9v YmFy'],
    ['a trailing CRLF', 'Zm9v\r\n'],
    ['a leading space', ' Zm9v'],
    ['a tab', 'Zm\t9v'],
    ['URL-safe alphabet', 'Zm-_'],
    ['a non-alphabet character', 'Zm9*'],
    ['non-ASCII', 'Zm9é'],
    ['non-zero pad bits (2 chars)', 'Zh=='],
    ['non-zero pad bits (3 chars)', 'Zm9='],
    ['the SMTP empty marker', '='],
    ['a lone character', 'Z'],
  ]) {
    it(`rejects ${name}`, () => {
      assert.equal(decodeBase64Strict(text!), undefined);
    });
  }

  it('round-trips every byte string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = Buffer.from(bytes).toString('base64');
        assert.deepEqual(decodeBase64Strict(text), Buffer.from(bytes));
      }),
    );
  });

  it('accepts only the canonical encoding of what it returns', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'AZaz09+/=Zg \r\n-_'.split('')), maxLength: 24 }),
        (text) => {
          const bytes = decodeBase64Strict(text);
          if (bytes !== undefined) assert.equal(bytes.toString('base64'), text);
        },
      ),
    );
  });
});

describe('decodeUtf8Strict', () => {
  it('decodes well-formed UTF-8, keeping a leading BOM', () => {
    assert.equal(decodeUtf8Strict(Buffer.from('héllo ✓ 𝄞')), 'héllo ✓ 𝄞');
    assert.equal(decodeUtf8Strict(Buffer.from([0xef, 0xbb, 0xbf, 0x61])), '\ufeffa');
    assert.equal(decodeUtf8Strict(Buffer.alloc(0)), '');
  });

  for (const [name, bytes] of [
    ['a lone continuation byte', [0x80]],
    ['an overlong slash', [0xc0, 0xaf]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['byte 0xFF', [0x61, 0xff]],
  ] as const) {
    it(`rejects ${name}`, () => {
      assert.equal(decodeUtf8Strict(Buffer.from(bytes)), undefined);
    });
  }
});
