import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeBase64, decodeQuotedPrintable, decodeTransfer } from '../../src/mime/transfer.ts';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('Content-Transfer-Encoding decoders (RFC 2045 §6.7, §6.8)', () => {
  it('quoted-printable: hex escapes in either case, soft line breaks, trailing white space', () => {
    assert.equal(
      decodeQuotedPrintable(b('Caf=C3=a9 =\r\nau lait  \r\nnext=\nline=20\t\r\n')).toString(),
      'Café au lait\r\nnextline \r\n',
    );
  });

  it('quoted-printable: keeps an "=" that starts nothing, and white space inside a line', () => {
    assert.equal(decodeQuotedPrintable(b('a=zz b=\tc  d=')).toString('latin1'), 'a=zz b=\tc  d');
  });

  it('base64: ignores line breaks and characters outside the alphabet', () => {
    assert.equal(decodeBase64(b('SGVs\r\nbG8g*d29y\nbGQ=')).toString(), 'Hello world');
  });

  it('decodeTransfer passes identity encodings through', () => {
    const raw = b('x=41');
    assert.equal(decodeTransfer(raw, undefined), raw);
    assert.equal(decodeTransfer(raw, '8bit'), raw);
    assert.equal(decodeTransfer(raw, 'x-uuencode'), raw);
    assert.equal(decodeTransfer(raw, 'quoted-printable').toString(), 'xA');
  });

  it('round-trips: base64 of any bytes, quoted-printable of escaped bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const data = Buffer.from(bytes);
        const b64 = data.toString('base64').replace(/.{1,76}/g, '$&\r\n');
        assert.ok(decodeBase64(b(b64)).equals(data));
        const qp = [...data].map((x) => `=${x.toString(16).toUpperCase().padStart(2, '0')}`).join('');
        assert.ok(decodeQuotedPrintable(b(qp.replace(/.{1,72}/g, '$&=\r\n'))).equals(data));
      }),
      { numRuns: 300 },
    );
  });
});
