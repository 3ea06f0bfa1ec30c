import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexMessage } from '../../../../src/mime/structure.ts';
import { body, bodyStructure } from '../../../../src/proto/imap/fetch/bodystructure.ts';
import { load, message, render } from './helpers.ts';

/** `n` lines of `width` x's, each ending in CRLF, then `tail` x's without a line end. */
function text(n: number, width: number, tail: number): string {
  return `${'x'.repeat(width)}\r\n`.repeat(n) + 'x'.repeat(tail);
}

describe('BODY and BODYSTRUCTURE: the RFC 9051 §7.5.2 examples', () => {
  it('a simple text message of 48 lines and 2279 octets', () => {
    const content = text(48, 45, 23);
    assert.equal(Buffer.byteLength(content), 2279);
    const { s } = message(['Subject: x', 'Content-Type: TEXT/PLAIN; CHARSET=US-ASCII', '', content]);
    assert.equal(render(body(s)), '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 2279 48)');
  });

  it('a text part and a base64 text attachment', () => {
    const first = text(23, 48, 2);
    const second = text(73, 60, 28);
    assert.equal(Buffer.byteLength(first), 1152);
    assert.equal(Buffer.byteLength(second), 4554);
    const { s } = message([
      'Content-Type: MULTIPART/MIXED; BOUNDARY=b',
      '',
      '--b',
      'Content-Type: TEXT/PLAIN; CHARSET=US-ASCII',
      '',
      first,
      '--b',
      'Content-Type: TEXT/PLAIN; CHARSET=US-ASCII; NAME=cc.diff',
      'Content-ID: <960723163407.20117h@cac.washington.edu>',
      'Content-Description: Compiler diff',
      'Content-Transfer-Encoding: BASE64',
      '',
      second,
      '--b--',
      '',
    ]);
    assert.equal(
      render(body(s)),
      '(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 23)' +
        '("TEXT" "PLAIN" ("CHARSET" "US-ASCII" "NAME" "cc.diff") ' +
        '"<960723163407.20117h@cac.washington.edu>" "Compiler diff" "BASE64" 4554 73) "MIXED")',
    );
    assert.equal(
      render(bodyStructure(s)),
      '(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 23 NIL NIL NIL NIL)' +
        '("TEXT" "PLAIN" ("CHARSET" "US-ASCII" "NAME" "cc.diff") ' +
        '"<960723163407.20117h@cac.washington.edu>" "Compiler diff" "BASE64" 4554 73 NIL NIL NIL NIL) ' +
        '"MIXED" ("BOUNDARY" "b") NIL NIL NIL)',
    );
  });
});

describe('BODYSTRUCTURE of the MIME fixtures', () => {
  it('simple-text.eml: defaults (text/plain, us-ascii, 7bit)', () => {
    const { s } = load('simple-text.eml');
    const content = 'Hi Bob,\r\n\r\nLunch on Friday at noon?\r\n-- \r\nAlice\r\n';
    assert.equal(Buffer.byteLength(content), 49);
    assert.equal(
      render(bodyStructure(s)),
      '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 49 5 NIL NIL NIL NIL)',
    );
    assert.equal(render(body(s)), '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 49 5)');
  });

  it('nested.eml: nested multiparts, Content-ID, disposition with parameters, description, language', () => {
    const { s } = load('nested.eml');
    const html = '<p>Caf&eacute; <img src="cid:img1@example.org"></p>';
    assert.equal(Buffer.byteLength(html), 51);
    assert.equal(
      render(bodyStructure(s)),
      '(((' +
        '"TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 17 0 NIL NIL NIL NIL)' +
        '(("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "7BIT" 51 0 NIL NIL NIL NIL)' +
        '("IMAGE" "PNG" NIL "<img1@example.org>" NIL "BASE64" 12 NIL ("INLINE" NIL) NIL NIL) ' +
        '"RELATED" ("BOUNDARY" "rel-1" "TYPE" "text/html") NIL NIL NIL) ' +
        '"ALTERNATIVE" ("BOUNDARY" "alt-1") NIL NIL NIL)' +
        '("APPLICATION" "PDF" ("NAME" "report.pdf") NIL "Quarterly report" "BASE64" 8 NIL ' +
        '("ATTACHMENT" ("FILENAME" "report.pdf" "SIZE" "4")) ("en") NIL) ' +
        '"MIXED" ("BOUNDARY" "mixed-1") NIL NIL NIL)',
    );
    assert.equal(
      render(body(s)),
      '((("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 17 0)' +
        '(("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "7BIT" 51 0)' +
        '("IMAGE" "PNG" NIL "<img1@example.org>" NIL "BASE64" 12) "RELATED") "ALTERNATIVE")' +
        '("APPLICATION" "PDF" ("NAME" "report.pdf") NIL "Quarterly report" "BASE64" 8) "MIXED")',
    );
  });

  it('rfc822-attachment.eml: message/rfc822 with its envelope, body and line count', () => {
    const { raw, s } = load('rfc822-attachment.eml');
    const part = s.root.children![1]!;
    const inner = raw.toString('latin1', part.bodyStart, part.bodyEnd);
    assert.equal(inner.length, 431);
    assert.equal(inner.split('\n').length - 1, 19);
    assert.equal(
      render(bodyStructure(s)),
      '(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 13 0 NIL NIL NIL NIL)' +
        '("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 431 ' +
        '("Tue, 2 Jan 2024 08:00:00 -0500" "report" (("Original Sender" NIL "orig" "example.net")) ' +
        '(("Original Sender" NIL "orig" "example.net")) (("Original Sender" NIL "orig" "example.net")) ' +
        '((NIL NIL "fwd" "example.org")) NIL NIL NIL "<orig@example.net>") ' +
        '(("TEXT" "PLAIN" ("CHARSET" "iso-8859-1") NIL NIL "8BIT" 17 0 NIL NIL NIL NIL)' +
        '("TEXT" "CSV" ("NAME" "data.csv" "CHARSET" "us-ascii") NIL NIL "7BIT" 8 1 NIL ' +
        '("ATTACHMENT" ("FILENAME" "data.csv")) NIL NIL) "MIXED" ("BOUNDARY" "inner") NIL NIL NIL) ' +
        '19 NIL ("ATTACHMENT" NIL) NIL NIL) "MIXED" ("BOUNDARY" "outer") NIL NIL NIL)',
    );
  });

  it('digest.eml: parts without Content-Type are message/rfc822 (RFC 2046 §5.1.5)', () => {
    const { s } = load('digest.eml');
    assert.equal(
      render(body(s)),
      '(("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 55 ' +
        '(NIL "first" ((NIL NIL "one" "example.org")) ((NIL NIL "one" "example.org")) ' +
        '((NIL NIL "one" "example.org")) NIL NIL NIL NIL NIL) ' +
        '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 14 0) 3)' +
        '("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 98 ' +
        '(NIL "second" ((NIL NIL "two" "example.org")) ((NIL NIL "two" "example.org")) ' +
        '((NIL NIL "two" "example.org")) NIL NIL NIL NIL NIL) ' +
        '("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 15 0) 4)' +
        '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 25 0) "DIGEST")',
    );
  });

  it('rfc2231.eml: parameters as the indexer merged them', () => {
    const { s } = load('rfc2231.eml');
    assert.equal(
      render(bodyStructure(s)),
      '(("APPLICATION" "OCTET-STREAM" ("NAME*" "utf-8\'\'%E2%82%AC%20rates%20%C3%A9t%C3%A9.txt") NIL NIL ' +
        '"BASE64" 4 NIL ("ATTACHMENT" ("FILENAME*" "iso-8859-1\'fr\'caf%E9.txt")) NIL NIL)' +
        '("TEXT" "PLAIN" ("TITLE" "hello world" "CHARSET" "utf-8") NIL NIL "7BIT" 1 0 NIL NIL NIL NIL) ' +
        '"MIXED" ("BOUNDARY" "b2231") NIL NIL NIL)',
    );
  });

  it('lf-only.eml: sizes and lines of the bytes as stored', () => {
    const { s } = load('lf-only.eml');
    assert.equal(Buffer.byteLength('line one\nline two'), 17);
    assert.equal(
      render(body(s)),
      '(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 17 1)' +
        '("TEXT" "HTML" ("CHARSET" "us-ascii") NIL NIL "7BIT" 8 0) "ALTERNATIVE")',
    );
  });

  it('unsplittable.eml: no boundary parameter, no boundary line, an encoded message/rfc822', () => {
    const { s } = load('unsplittable.eml');
    assert.equal(Buffer.byteLength('no boundary parameter'), 21);
    assert.equal(Buffer.byteLength('U3ViamVjdDogeA0KDQpib2R5DQo='), 28);
    assert.equal(
      render(bodyStructure(s)),
      // 1: a multipart without boundary is a leaf with its declared type;
      // 2: a multipart whose boundary never shows has one empty text/plain child (as Dovecot);
      // 3: an encoded message/rfc822 has no envelope: a basic type.
      '(("MULTIPART" "ALTERNATIVE" NIL NIL NIL "7BIT" 21 NIL NIL NIL NIL)' +
        '(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0 NIL NIL NIL NIL) ' +
        '"RELATED" ("BOUNDARY" "never") NIL NIL NIL)' +
        '("MESSAGE" "RFC822" NIL NIL NIL "BASE64" 28 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "top") NIL NIL NIL)',
    );
    assert.equal(
      render(body(s)),
      '(("MULTIPART" "ALTERNATIVE" NIL NIL NIL "7BIT" 21)' +
        '(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0) "RELATED")' +
        '("MESSAGE" "RFC822" NIL NIL NIL "BASE64" 28) "MIXED")',
    );
  });

  it('header-cut-by-boundary.eml: a part header cut short, an empty message/rfc822', () => {
    const { s } = load('header-cut-by-boundary.eml');
    assert.equal(
      render(body(s)),
      '(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0)' +
        '("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 0 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) ' +
        '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0) 0) "MIXED")',
    );
  });

  it('header-only.eml, no-body.eml, missing-headers.eml: empty and default bodies', () => {
    assert.equal(
      render(body(load('header-only.eml').s)),
      '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0)',
    );
    assert.equal(
      render(body(load('no-body.eml').s)),
      '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0)',
    );
    assert.equal(
      render(body(load('missing-headers.eml').s)),
      '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 31 1)',
    );
  });

  it('boundary-quoted.eml and missing-final-boundary.eml', () => {
    assert.equal(
      render(bodyStructure(load('boundary-quoted.eml').s)),
      '(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 5 0 NIL NIL NIL NIL)' +
        '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 6 0 NIL NIL NIL NIL) ' +
        '"MIXED" ("BOUNDARY" "=_Part:1 (x)?") NIL NIL NIL)',
    );
    assert.equal(
      render(body(load('missing-final-boundary.eml').s)),
      '((("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 9 0)' +
        '("TEXT" "HTML" ("CHARSET" "us-ascii") NIL NIL "7BIT" 16 0) "ALTERNATIVE")' +
        '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 25 1) "MIXED")',
    );
  });
});

describe('BODYSTRUCTURE details', () => {
  it('extension data: md5, disposition, language list, location on leaves and multiparts', () => {
    const { s } = message([
      'Content-Type: multipart/mixed; boundary=z',
      'Content-Disposition: inline',
      'Content-Language: en, fr',
      'Content-Location: http://example.org/m',
      '',
      '--z',
      'Content-Type: image/gif',
      'Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==',
      'Content-Disposition: attachment; filename="a b.gif"',
      'Content-Language: de',
      'Content-Location: cid:x',
      'Content-Transfer-Encoding: base64',
      '',
      'R0lG',
      '--z--',
    ]);
    assert.equal(
      render(bodyStructure(s)),
      '(("IMAGE" "GIF" NIL NIL NIL "BASE64" 4 "Q2hlY2sgSW50ZWdyaXR5IQ==" ' +
        '("ATTACHMENT" ("FILENAME" "a b.gif")) ("de") "cid:x") ' +
        '"MIXED" ("BOUNDARY" "z") ("INLINE" NIL) ("en" "fr") "http://example.org/m")',
    );
  });

  it('a multipart with no part at all gets one empty text/plain child, in BODY too', () => {
    const { s } = message(['Content-Type: multipart/mixed; boundary=q', '', 'only a preamble', '--q--', '']);
    assert.deepEqual(s.root.children, []);
    assert.equal(
      render(bodyStructure(s)),
      '(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0 NIL NIL NIL NIL) ' +
        '"MIXED" ("BOUNDARY" "q") NIL NIL NIL)',
    );
    assert.equal(render(body(s)), '(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0) "MIXED")');
  });

  it('message/global is body-type-msg for IMAP4rev2 and a basic type for IMAP4rev1', () => {
    const { s } = message([
      'Content-Type: multipart/mixed; boundary=g',
      '',
      '--g',
      'Content-Type: message/global',
      '',
      'Subject: inner',
      '',
      'hi',
      '--g--',
    ]);
    assert.equal(
      render(body(s, { imap4rev2: true })),
      '(("MESSAGE" "GLOBAL" NIL NIL NIL "7BIT" 20 ' +
        '(NIL "inner" NIL NIL NIL NIL NIL NIL NIL NIL) ' +
        '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 2 0) 2) "MIXED")',
    );
    assert.equal(render(body(s)), '(("MESSAGE" "GLOBAL" NIL NIL NIL "7BIT" 20) "MIXED")');
    assert.equal(render(body(s, { imap4rev2: false })), render(body(s)));
  });

  it('a message/rfc822 beyond the nesting limit is a basic type', () => {
    const raw = Buffer.from(
      'Content-Type: message/rfc822\r\n\r\nContent-Type: message/rfc822\r\n\r\nSubject: deep\r\n\r\nx',
    );
    const s = indexMessage(raw, { maxDepth: 1 });
    // The outer body is everything after the first blank line: 50 octets, 4 lines.
    assert.equal(Buffer.byteLength('Content-Type: message/rfc822\r\n\r\nSubject: deep\r\n\r\nx'), 50);
    assert.equal(Buffer.byteLength('Subject: deep\r\n\r\nx'), 18);
    assert.equal(
      render(body(s)),
      '("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 50 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) ' +
        '("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 18) 4)',
    );
  });

  it('parameter names and types are upper-cased, values and non-ASCII letters kept', () => {
    const { s } = message(['Content-Type: Application/X-Thing; Name="MiXed Case"; ünï=v', '', 'x']);
    assert.equal(
      render(body(s)),
      '("APPLICATION" "X-THING" ("NAME" "MiXed Case" "üNï" "v") NIL NIL "7BIT" 1)',
    );
  });

  it('a part with an unknown transfer encoding reports it as sent', () => {
    const { s } = message(['Content-Type: text/plain', 'Content-Transfer-Encoding: x-uuencode', '', 'x']);
    assert.equal(render(body(s)), '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "X-UUENCODE" 1 0)');
  });
});
