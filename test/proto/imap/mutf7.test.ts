import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeMutf7, encodeMutf7 } from '../../../src/proto/imap/mutf7.ts';

describe('modified UTF-7 (RFC 3501 §5.1.3)', () => {
  it('encodes the RFC examples and common names', () => {
    // RFC 3501 §5.1.3: "~peter/mail/台北/日本語"
    assert.equal(encodeMutf7('~peter/mail/台北/日本語'), '~peter/mail/&U,BTFw-/&ZeVnLIqe-');
    assert.equal(encodeMutf7('Entwürfe'), 'Entw&APw-rfe');
    assert.equal(encodeMutf7('Tom & Jerry'), 'Tom &- Jerry');
    assert.equal(encodeMutf7('Gelöschte Elemente'), 'Gel&APY-schte Elemente');
    assert.equal(encodeMutf7('INBOX'), 'INBOX');
    assert.equal(encodeMutf7(''), '');
    assert.equal(encodeMutf7('😀'), '&2D3eAA-');
    assert.equal(encodeMutf7('a\tb'), 'a&AAk-b');
  });

  it('replaces lone surrogates by U+FFFD', () => {
    assert.equal(encodeMutf7('a\ud800b'), `a${encodeMutf7('\ufffd')}b`);
  });

  it('decodes what it encodes', () => {
    assert.equal(decodeMutf7('~peter/mail/&U,BTFw-/&ZeVnLIqe-'), '~peter/mail/台北/日本語');
    assert.equal(decodeMutf7('Entw&APw-rfe'), 'Entwürfe');
    assert.equal(decodeMutf7('&-'), '&');
    assert.equal(decodeMutf7('&2D3eAA-'), '😀');
    assert.equal(decodeMutf7(''), '');
  });

  it('rejects invalid encodings strictly', () => {
    const invalid = [
      '&', // unterminated
      '&U,BTFw', // unterminated run
      'Entwürfe', // raw 8-bit
      'a\tb', // raw control character
      '&AGE-', // "a" encoded needlessly
      '&ACY-', // "&" encoded instead of "&-"
      '&APw-&APw-', // adjacent runs: canonical is &APwA,A-
      '&APw=-', // padding
      '&APw/-', // "/" instead of ","
      '&APx-', // non-zero pad bits
      '&AP-', // not a whole UTF-16 unit
      '&2D0-', // lone high surrogate
      '&3gA-', // lone low surrogate
      '&Ä-', // 8-bit in a run
      '&A.w-', // not base64
    ];
    for (const s of invalid) assert.equal(decodeMutf7(s), null, s);
    assert.equal(decodeMutf7('&APwA,A-'), 'üü');
  });

  it('round-trips any string (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        const encoded = encodeMutf7(s);
        assert.match(encoded, /^[\x20-\x7e]*$/);
        assert.equal(decodeMutf7(encoded), s.toWellFormed());
      }),
    );
  });

  it('accepts only canonical encodings (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9&,+-]{0,20}$/), (s) => {
        const decoded = decodeMutf7(s);
        if (decoded !== null) assert.equal(encodeMutf7(decoded), s);
      }),
    );
  });
});
