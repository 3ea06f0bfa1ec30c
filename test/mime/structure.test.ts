/**
 * Golden tests of the MIME indexer over the fixture corpus: each part's header and body are checked
 * by slicing the raw bytes at the offsets found, in IMAP order, with their part numbers.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { walkParts } from '../../src/mime/section.ts';
import { indexMessage } from '../../src/mime/structure.ts';
import type { Envelope, MessageStructure, MimeParam, MimePart } from '../../src/mime/types.ts';
import { assertInvariants, fixture, slice, utf8Bytes } from './helpers.ts';

/** What one part must look like; `body`/`header` exact, or checked at their ends. */
interface Expected {
  path: string;
  type: string;
  params: MimeParam[];
  header?: string;
  headerEndsWith?: string;
  body?: string;
  bodyStartsWith?: string;
  bodyEndsWith?: string;
  lines?: number;
  children?: number;
  /** The optional Content-* members present on the part (absent ones must be absent). */
  extra?: Partial<MimePart>;
}

const US_ASCII: MimeParam[] = [['charset', 'us-ascii']];
const EXTRA_KEYS = [
  'id',
  'description',
  'encoding',
  'md5',
  'disposition',
  'language',
  'location',
  'boundary',
] as const;

function check(name: string, expected: Expected[]): { raw: Buffer; s: MessageStructure } {
  const raw = fixture(name);
  const s = indexMessage(raw);
  assertInvariants(raw, s);
  assert.equal(s.limited, undefined);
  const seen: { part: MimePart; path: string }[] = [];
  walkParts(s, (part, path) => {
    seen.push({ part, path: path.join('.') });
  });
  assert.deepEqual(
    seen.map((x) => `${x.path} ${x.part.type}/${x.part.subtype}`),
    expected.map((e) => `${e.path} ${e.type}`),
  );
  seen.forEach(({ part }, i) => {
    const e = expected[i]!;
    const what = `${name} part ${e.path || '(root)'}`;
    const header = slice(raw, part.headerStart, part.bodyStart);
    const body = slice(raw, part.bodyStart, part.bodyEnd);
    assert.deepEqual(part.params, e.params, `${what} params`);
    if (e.header !== undefined) assert.equal(header, e.header, `${what} header`);
    if (e.headerEndsWith !== undefined) assert.ok(header.endsWith(e.headerEndsWith), `${what} header end`);
    if (e.body !== undefined) assert.equal(body, e.body, `${what} body`);
    if (e.bodyStartsWith !== undefined)
      assert.ok(body.startsWith(e.bodyStartsWith), `${what} body start: ${body}`);
    if (e.bodyEndsWith !== undefined) assert.ok(body.endsWith(e.bodyEndsWith), `${what} body end: ${body}`);
    assert.equal(part.bodyLines, e.lines, `${what} lines`);
    assert.equal(part.children?.length, e.children, `${what} children`);
    const extra: Partial<MimePart> = {};
    for (const key of EXTRA_KEYS) if (part[key] !== undefined) Object.assign(extra, { [key]: part[key] });
    assert.deepEqual(extra, e.extra ?? {}, `${what} Content-* fields`);
  });
  return { raw, s };
}

describe('indexMessage: golden fixtures', () => {
  it('simple text message: part 1 is the body, envelope from the header', () => {
    const { raw, s } = check('simple-text.eml', [
      {
        path: '1',
        type: 'text/plain',
        params: US_ASCII,
        headerEndsWith: 'rg>\r\nIn-Reply-To: <prev@example.com>\r\n\r\n',
        body: 'Hi Bob,\r\n\r\nLunch on Friday at noon?\r\n-- \r\nAlice\r\n',
        lines: 5,
      },
    ]);
    assert.ok(slice(raw, 0, s.root.bodyStart).startsWith('Return-Path: <alice@example.org>\r\nReceived:'));
    assert.equal(s.root.headerLines, 13);
    const env: Envelope = {
      date: 'Mon, 15 Jan 2024 10:29:59 +0100',
      time: Date.UTC(2024, 0, 15, 9, 29, 59),
      subject: 'Lunch on Friday?',
      from: [{ name: 'Alice Example', mailbox: 'alice', host: 'example.org' }],
      to: [
        { name: 'Bob', mailbox: 'bob', host: 'example.com' },
        { mailbox: 'carol', host: 'example.com' },
      ],
      cc: [{ name: 'Dave, the Third', mailbox: 'dave', host: 'example.net' }],
      messageId: '<20240115.1@example.org>',
      inReplyTo: '<prev@example.com>',
    };
    assert.deepEqual(s.envelope, env);
  });

  it('nested multipart/mixed, alternative and related', () => {
    check('nested.eml', [
      {
        path: '',
        type: 'multipart/mixed',
        params: [['boundary', 'mixed-1']],
        header:
          'From: a@example.org\r\nTo: b@example.com\r\nSubject: nested\r\nMIME-Version: 1.0\r\n' +
          'Content-Type: multipart/mixed; boundary="mixed-1"\r\n\r\n',
        bodyStartsWith: 'This is a multi-part message in MIME format.\r\n--mixed-1\r\n',
        bodyEndsWith: 'JVBERg==\r\n--mixed-1--\r\n',
        children: 2,
        extra: { boundary: 'mixed-1' },
      },
      {
        path: '1',
        type: 'multipart/alternative',
        params: [['boundary', 'alt-1']],
        header: 'Content-Type: multipart/alternative; boundary="alt-1"\r\n\r\n',
        bodyStartsWith: '--alt-1\r\nContent-Type: text/plain',
        bodyEndsWith: 'iVBORw0KGgo=\r\n--rel-1--\r\n\r\n--alt-1--\r\n',
        children: 2,
        extra: { boundary: 'alt-1' },
      },
      {
        path: '1.1',
        type: 'text/plain',
        params: [['charset', 'utf-8']],
        header:
          'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n',
        body: 'Caf=C3=A9 au lait',
        lines: 0,
        extra: { encoding: 'quoted-printable' },
      },
      {
        path: '1.2',
        type: 'multipart/related',
        params: [
          ['boundary', 'rel-1'],
          ['type', 'text/html'],
        ],
        header: 'Content-Type: multipart/related; boundary="rel-1"; type="text/html"\r\n\r\n',
        bodyStartsWith: '--rel-1\r\nContent-Type: text/html',
        bodyEndsWith: 'iVBORw0KGgo=\r\n--rel-1--\r\n',
        children: 2,
        extra: { boundary: 'rel-1' },
      },
      {
        path: '1.2.1',
        type: 'text/html',
        params: [['charset', 'utf-8']],
        header: 'Content-Type: text/html; charset=utf-8\r\n\r\n',
        body: '<p>Caf&eacute; <img src="cid:img1@example.org"></p>',
        lines: 0,
      },
      {
        path: '1.2.2',
        type: 'image/png',
        params: [],
        header:
          'Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <img1@example.org>\r\n' +
          'Content-Disposition: inline\r\n\r\n',
        body: 'iVBORw0KGgo=',
        extra: { encoding: 'base64', id: '<img1@example.org>', disposition: { type: 'inline', params: [] } },
      },
      {
        path: '2',
        type: 'application/pdf',
        params: [['name', 'report.pdf']],
        header:
          'Content-Type: application/pdf; name="report.pdf"\r\nContent-Transfer-Encoding: base64\r\n' +
          'Content-Disposition: attachment; filename="report.pdf"; size=4\r\n' +
          'Content-Description: Quarterly report\r\nContent-Language: en\r\n\r\n',
        body: 'JVBERg==',
        extra: {
          encoding: 'base64',
          disposition: {
            type: 'attachment',
            params: [
              ['filename', 'report.pdf'],
              ['size', '4'],
            ],
          },
          description: 'Quarterly report',
          language: ['en'],
        },
      },
    ]);
  });

  it('message/rfc822 attachment holding a multipart: offsets stay absolute', () => {
    const { s } = check('rfc822-attachment.eml', [
      {
        path: '',
        type: 'multipart/mixed',
        params: [['boundary', 'outer']],
        header:
          'From: fwd@example.org\r\nTo: x@example.com\r\nSubject: Fwd: report\r\n' +
          'Content-Type: multipart/mixed; boundary=outer\r\n\r\n',
        bodyEndsWith: '--inner--\r\n--outer--\r\n',
        children: 2,
        extra: { boundary: 'outer' },
      },
      {
        path: '1',
        type: 'text/plain',
        params: US_ASCII,
        header: 'Content-Type: text/plain\r\n\r\n',
        body: 'See attached.',
        lines: 0,
      },
      {
        path: '2',
        type: 'message/rfc822',
        params: [],
        header: 'Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n',
        bodyStartsWith: 'From: Original Sender <orig@example.net>\r\n',
        bodyEndsWith: '1,2\r\n--inner--\r\n',
        lines: 19,
        extra: { disposition: { type: 'attachment', params: [] } },
      },
      {
        path: '2',
        type: 'multipart/mixed',
        params: [['boundary', 'inner']],
        header:
          'From: Original Sender <orig@example.net>\r\nTo: fwd@example.org\r\nSubject: report\r\n' +
          'Date: Tue, 2 Jan 2024 08:00:00 -0500\r\nMessage-ID: <orig@example.net>\r\n' +
          'Content-Type: multipart/mixed; boundary=inner\r\n\r\n',
        bodyEndsWith: '1,2\r\n--inner--\r\n',
        children: 2,
        extra: { boundary: 'inner' },
      },
      {
        path: '2.1',
        type: 'text/plain',
        params: [['charset', 'iso-8859-1']],
        header: 'Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n',
        body: 'Voil\xe0 le rapport.',
        lines: 0,
        extra: { encoding: '8bit' },
      },
      {
        path: '2.2',
        type: 'text/csv',
        params: [
          ['name', 'data.csv'],
          ['charset', 'us-ascii'],
        ],
        header:
          'Content-Type: text/csv; name=data.csv\r\nContent-Disposition: attachment; filename=data.csv\r\n\r\n',
        body: 'a,b\r\n1,2',
        lines: 1,
        extra: { disposition: { type: 'attachment', params: [['filename', 'data.csv']] } },
      },
    ]);
    assert.deepEqual(s.root.children?.[1]?.message?.envelope, {
      date: 'Tue, 2 Jan 2024 08:00:00 -0500',
      time: Date.UTC(2024, 0, 2, 13, 0, 0),
      subject: 'report',
      from: [{ name: 'Original Sender', mailbox: 'orig', host: 'example.net' }],
      to: [{ mailbox: 'fwd', host: 'example.org' }],
      messageId: '<orig@example.net>',
    });
    assert.equal(s.envelope.subject, 'Fwd: report');
  });

  it('no MIME header: text/plain; charset=us-ascii (RFC 2045 §5.2), empty envelope', () => {
    const { s } = check('missing-headers.eml', [
      {
        path: '1',
        type: 'text/plain',
        params: US_ASCII,
        header: 'X-Only: something\r\n\r\n',
        body: 'Body without any MIME header.\r\n',
        lines: 1,
      },
    ]);
    assert.deepEqual(s.envelope, {});
  });

  it('missing close delimiters: the inner multipart ends at the outer boundary, the last part at EOF', () => {
    check('missing-final-boundary.eml', [
      {
        path: '',
        type: 'multipart/mixed',
        params: [['boundary', 'A']],
        header: 'Content-Type: multipart/mixed; boundary=A\r\n\r\n',
        bodyEndsWith: 'last part, never closed\r\n',
        children: 2,
        extra: { boundary: 'A' },
      },
      {
        path: '1',
        type: 'multipart/alternative',
        params: [['boundary', 'B']],
        header: 'Content-Type: multipart/alternative; boundary=B\r\n\r\n',
        bodyStartsWith: '--B\r\n',
        bodyEndsWith: 'Content-Type: text/html\r\n\r\n<b>inner two</b>',
        children: 2,
        extra: { boundary: 'B' },
      },
      {
        path: '1.1',
        type: 'text/plain',
        params: US_ASCII,
        header: 'Content-Type: text/plain\r\n\r\n',
        body: 'inner one',
        lines: 0,
      },
      {
        path: '1.2',
        type: 'text/html',
        params: US_ASCII,
        header: 'Content-Type: text/html\r\n\r\n',
        body: '<b>inner two</b>',
        lines: 0,
      },
      {
        path: '2',
        type: 'text/plain',
        params: US_ASCII,
        header: 'Content-Type: text/plain\r\n\r\n',
        body: 'last part, never closed\r\n',
        lines: 1,
      },
    ]);
  });

  it('quoted, folded boundary with specials; transport padding; a shorter look-alike in the preamble', () => {
    check('boundary-quoted.eml', [
      {
        path: '',
        type: 'multipart/mixed',
        params: [['boundary', '=_Part:1 (x)?']],
        header:
          'Subject: quoted boundary\r\nContent-Type: multipart/mixed;\r\n boundary="=_Part:1 (x)?"\r\n\r\n',
        bodyStartsWith: '--=_Part:1 (x)\r\n--=_Part:1 (x)?\r\n',
        bodyEndsWith: 'second\r\n--=_Part:1 (x)?--  \r\n',
        children: 2,
        extra: { boundary: '=_Part:1 (x)?' },
      },
      {
        path: '1',
        type: 'text/plain',
        params: US_ASCII,
        header: 'Content-Type: text/plain\r\n\r\n',
        body: 'first',
        lines: 0,
      },
      {
        path: '2',
        type: 'text/plain',
        params: US_ASCII,
        header: 'Content-Type: text/plain\r\n\r\n',
        body: 'second',
        lines: 0,
      },
    ]);
  });

  it('RFC 2231 continuations are merged, values kept as sent', () => {
    check('rfc2231.eml', [
      {
        path: '',
        type: 'multipart/mixed',
        params: [['boundary', 'b2231']],
        header: 'Content-Type: multipart/mixed; boundary=b2231\r\n\r\n',
        bodyEndsWith: 'x\r\n--b2231--\r\n',
        children: 2,
        extra: { boundary: 'b2231' },
      },
      {
        path: '1',
        type: 'application/octet-stream',
        params: [['name*', "utf-8''%E2%82%AC%20rates%20%C3%A9t%C3%A9.txt"]],
        headerEndsWith: 'Content-Transfer-Encoding: base64\r\n\r\n',
        body: 'AAEC',
        extra: {
          encoding: 'base64',
          disposition: { type: 'attachment', params: [['filename*', "iso-8859-1'fr'caf%E9.txt"]] },
        },
      },
      {
        path: '2',
        type: 'text/plain',
        params: [
          ['title', 'hello world'],
          ['charset', 'utf-8'],
        ],
        header: 'Content-Type: text/plain; title*1=" world"; title*0="hello"; charset="utf-8"\r\n\r\n',
        body: 'x',
        lines: 0,
      },
    ]);
  });

  it('8-bit headers: UTF-8 kept as text, Latin-1 bytes kept one char per byte, encoded words raw', () => {
    const { s } = check('eight-bit-headers.eml', [
      {
        path: '1',
        type: 'text/plain',
        params: [['charset', 'utf-8']],
        headerEndsWith: 'Content-Transfer-Encoding: 8bit\r\n\r\n',
        body: utf8Bytes('Grüße\r\n'),
        lines: 1,
        extra: { encoding: '8bit' },
      },
    ]);
    assert.deepEqual(s.envelope, {
      from: [{ name: '=?UTF-8?B?SsO2cmc=?=', mailbox: 'joerg', host: 'example.de' }],
      to: [{ name: 'Zoë', mailbox: 'zoe', host: 'example.com' }],
      subject: 'Grüße aus Köln',
      cc: [{ name: '=?ISO-8859-1?Q?Ren=E9?= Dupont', mailbox: 'rene', host: 'example.fr' }],
    });
  });

  it('bare LF line ends', () => {
    check('lf-only.eml', [
      {
        path: '',
        type: 'multipart/alternative',
        params: [['boundary', 'lf']],
        header: 'From: lf@example.org\nContent-Type: multipart/alternative; boundary=lf\n\n',
        bodyEndsWith: '<p>x</p>\n--lf--\n',
        children: 2,
        extra: { boundary: 'lf' },
      },
      {
        path: '1',
        type: 'text/plain',
        params: US_ASCII,
        header: 'Content-Type: text/plain\n\n',
        body: 'line one\nline two',
        lines: 1,
      },
      {
        path: '2',
        type: 'text/html',
        params: US_ASCII,
        header: 'Content-Type: text/html\n\n',
        body: '<p>x</p>',
        lines: 0,
      },
    ]);
  });

  it('no body after the blank line', () => {
    const { raw, s } = check('no-body.eml', [
      {
        path: '1',
        type: 'text/plain',
        params: US_ASCII,
        header: 'From: a@example.org\r\nSubject: empty\r\n\r\n',
        body: '',
        lines: 0,
      },
    ]);
    assert.equal(s.root.bodyStart, raw.length);
  });

  it('a header without a blank line runs to the end of the message', () => {
    const { s } = check('header-only.eml', [
      {
        path: '1',
        type: 'text/plain',
        params: US_ASCII,
        header: 'From: a@example.org\r\nSubject: no blank line',
        body: '',
        lines: 0,
      },
    ]);
    assert.equal(s.root.headerLines, 1);
    assert.equal(s.envelope.subject, 'no blank line');
  });

  it('multipart/digest: parts without Content-Type are message/rfc822 (RFC 2046 §5.1.5)', () => {
    const { s } = check('digest.eml', [
      {
        path: '',
        type: 'multipart/digest',
        params: [['boundary', 'dig']],
        header:
          'From: digest@example.org\r\nSubject: Digest\r\nContent-Type: multipart/digest; boundary=dig\r\n\r\n',
        bodyStartsWith: 'Preamble\r\n--dig\r\n',
        bodyEndsWith: '--dig--\r\nEpilogue\r\n',
        children: 3,
        extra: { boundary: 'dig' },
      },
      {
        path: '1',
        type: 'message/rfc822',
        params: [],
        header: '\r\n',
        body: 'From: one@example.org\r\nSubject: first\r\n\r\nFirst message.',
        lines: 3,
      },
      {
        path: '1.1',
        type: 'text/plain',
        params: US_ASCII,
        header: 'From: one@example.org\r\nSubject: first\r\n\r\n',
        body: 'First message.',
        lines: 0,
      },
      {
        path: '2',
        type: 'message/rfc822',
        params: [],
        header: '\r\n',
        body: 'From: two@example.org\r\nSubject: second\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSecond message.',
        lines: 4,
      },
      {
        path: '2.1',
        type: 'text/plain',
        params: [['charset', 'utf-8']],
        header: 'From: two@example.org\r\nSubject: second\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n',
        body: 'Second message.',
        lines: 0,
      },
      {
        path: '3',
        type: 'text/plain',
        params: US_ASCII,
        header: 'Content-Type: text/plain\r\n\r\n',
        body: 'A plain part in a digest.',
        lines: 0,
      },
    ]);
    assert.equal(s.root.children?.[0]?.message?.envelope.subject, 'first');
    assert.deepEqual(s.root.children?.[1]?.message?.envelope.from, [{ mailbox: 'two', host: 'example.org' }]);
  });

  it('a boundary line cuts a header short: empty body, the line break goes to the boundary', () => {
    check('header-cut-by-boundary.eml', [
      {
        path: '',
        type: 'multipart/mixed',
        params: [['boundary', 'cut']],
        header: 'Content-Type: multipart/mixed; boundary=cut\r\n\r\n',
        bodyEndsWith: 'Content-Type: message/rfc822\r\n--cut--\r\n',
        children: 2,
        extra: { boundary: 'cut' },
      },
      {
        path: '1',
        type: 'text/plain',
        params: US_ASCII,
        header: 'Content-Type: text/plain\r\nX-Truncated: yes',
        body: '',
        lines: 0,
      },
      {
        path: '2',
        type: 'message/rfc822',
        params: [],
        header: 'Content-Type: message/rfc822',
        body: '',
        lines: 0,
      },
      { path: '2.1', type: 'text/plain', params: US_ASCII, header: '', body: '', lines: 0 },
    ]);
  });

  it('multiparts that cannot be split and an encoded message/rfc822 are leaves', () => {
    check('unsplittable.eml', [
      {
        path: '',
        type: 'multipart/mixed',
        params: [['boundary', 'top']],
        header: 'Content-Type: multipart/mixed; boundary=top\r\n\r\n',
        bodyEndsWith: '--top--\r\n',
        children: 3,
        extra: { boundary: 'top' },
      },
      {
        path: '1',
        type: 'multipart/alternative',
        params: [],
        header: 'Content-Type: multipart/alternative\r\n\r\n',
        body: 'no boundary parameter',
      },
      {
        path: '2',
        type: 'multipart/related',
        params: [['boundary', 'never']],
        header: 'Content-Type: multipart/related; boundary=never\r\n\r\n',
        body: 'the boundary never shows up',
        children: 0,
        extra: { boundary: 'never' },
      },
      {
        path: '3',
        type: 'message/rfc822',
        params: [],
        header: 'Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n',
        body: 'U3ViamVjdDogeA0KDQpib2R5DQo=',
        lines: 0,
        extra: { encoding: 'base64' },
      },
    ]);
  });
});
