import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCharset } from '../../src/mime/charset.ts';
import { indexMessage } from '../../src/mime/structure.ts';
import { decodeHeaderValue, extractText } from '../../src/mime/text.ts';
import { fixture } from './helpers.ts';

function textOf(name: string, maxLength?: number) {
  const raw = fixture(name);
  return extractText(raw, indexMessage(raw), maxLength === undefined ? {} : { maxLength });
}

describe('decodeHeaderValue (RFC 2047)', () => {
  it('decodes encoded words, joining adjacent ones, and unfolds', () => {
    assert.equal(
      decodeHeaderValue(' =?UTF-8?B?SsO2cmc=?=\r\n =?ISO-8859-1?Q?_Ren=E9?= <a@b>'),
      'Jörg René <a@b>',
    );
    assert.equal(decodeHeaderValue('plain text'), 'plain text');
    assert.equal(decodeHeaderValue('=?bogus?X?abc?='), '=?bogus?X?abc?=');
  });
});

describe('decodeCharset', () => {
  it('converts declared charsets; ASCII labels read UTF-8 or Windows-1252', () => {
    assert.equal(decodeCharset(Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'ISO-8859-1'), 'café');
    assert.equal(decodeCharset(Buffer.from('café', 'utf8'), 'us-ascii'), 'café');
    assert.equal(decodeCharset(Buffer.from([0x80]), undefined), '€');
    assert.equal(decodeCharset(Buffer.from('1b2442246b1b2842', 'hex'), 'ISO-2022-JP'), 'る');
    assert.equal(decodeCharset(Buffer.from('ok'), 'x-no-such-charset'), 'ok');
  });
});

describe('extractText', () => {
  it('decodes headers and quoted-printable text; prefers text/plain in an alternative', () => {
    const t = textOf('nested.eml');
    assert.equal(t.headers.split('\n')[2], 'Subject: nested');
    // Each body part's MIME header fields, then its text (RFC 9051 §6.4.4: TEXT searches MIME header fields).
    assert.equal(
      t.body,
      [
        'Content-Type: multipart/alternative; boundary="alt-1"',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: quoted-printable',
        'Café au lait',
        'Content-Type: application/pdf; name="report.pdf"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename="report.pdf"; size=4',
        'Content-Description: Quarterly report',
        'Content-Language: en',
      ].join('\n'),
    );
  });

  it('includes the header and the text parts of an attached message, charsets converted', () => {
    const t = textOf('rfc822-attachment.eml');
    assert.equal(
      t.body,
      [
        'Content-Type: text/plain',
        'See attached.',
        'Content-Type: message/rfc822',
        'Content-Disposition: attachment',
        'From: Original Sender <orig@example.net>',
        'To: fwd@example.org',
        'Subject: report',
        'Date: Tue, 2 Jan 2024 08:00:00 -0500',
        'Message-ID: <orig@example.net>',
        'Content-Type: multipart/mixed; boundary=inner',
        'Content-Type: text/plain; charset=iso-8859-1',
        'Content-Transfer-Encoding: 8bit',
        'Voilà le rapport.',
        'Content-Type: text/csv; name=data.csv',
        'Content-Disposition: attachment; filename=data.csv',
        'a,b\r\n1,2',
      ].join('\n'),
    );
  });

  it('decodes 8-bit and encoded-word headers', () => {
    const t = textOf('eight-bit-headers.eml');
    assert.deepEqual(t.headers.split('\n').slice(0, 5), [
      'From: Jörg <joerg@example.de>',
      'To: Zoë <zoe@example.com>',
      'Subject: Grüße aus Köln',
      'X-Latin: café',
      'Cc: René Dupont <rene@example.fr>',
    ]);
    assert.equal(t.body, 'Grüße\r\n');
  });

  it('strips HTML when there is no text/plain alternative', () => {
    const raw = Buffer.from(
      'Content-Type: multipart/alternative; boundary=x\r\n\r\n--x\r\nContent-Type: text/html; charset=utf-8\r\n' +
        'Content-Transfer-Encoding: base64\r\n\r\n' +
        `${Buffer.from('<p>Hello <b>wörld</b></p>').toString('base64')}\r\n--x--\r\n`,
    );
    assert.equal(
      extractText(raw, indexMessage(raw)).body,
      'Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\nHello wörld',
    );
  });

  it('skips non-text parts and caps both outputs', () => {
    const parts = textOf('rfc2231.eml').body.split('\n');
    // The application/octet-stream part's header fields are there, its content is not.
    assert.equal(parts.length, 5);
    assert.match(parts[0]!, /^Content-Type: application\/octet-stream;/);
    assert.equal(parts[2], 'Content-Transfer-Encoding: base64');
    assert.equal(parts[4], 'x');
    const t = textOf('simple-text.eml', 20);
    assert.equal(t.headers.length, 20);
    assert.equal(t.body, 'Hi Bob,\r\n\r\nLunch on ');
  });
});
