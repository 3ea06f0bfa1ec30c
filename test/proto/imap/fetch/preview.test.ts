import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexMessage } from '../../../../src/mime/structure.ts';
import {
  PREVIEW_LENGTH,
  preview,
  previewParts,
  previewRange,
  previewText,
} from '../../../../src/proto/imap/fetch/preview.ts';
import { load, message } from './helpers.ts';

function of(m: ReturnType<typeof load>): string | null {
  return preview(m.raw, m.s);
}

describe('PREVIEW (RFC 8970)', () => {
  it('a plain text message: white space collapsed', () => {
    assert.equal(of(load('simple-text.eml')), 'Hi Bob, Lunch on Friday at noon? -- Alice');
  });

  it('multipart/alternative: the text/plain part, quoted-printable and UTF-8 decoded', () => {
    assert.equal(of(load('nested.eml')), 'Café au lait');
  });

  it('the first text part in part order, not an attached message (rfc822-attachment.eml)', () => {
    assert.equal(of(load('rfc822-attachment.eml')), 'See attached.');
  });

  it('an 8-bit text/plain in another charset is converted', () => {
    const raw = Buffer.from(
      'Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nVoil\xe0 tout',
      'latin1',
    );
    assert.equal(preview(raw, indexMessage(raw)), 'Voilà tout');
  });

  it('HTML only: markup, style and entities removed', () => {
    const m = message([
      'Content-Type: text/html; charset=utf-8',
      '',
      '<html><head><style>p { color: red }</style></head>',
      '<body><p>Hello&nbsp;<b>world</b> &amp; friends</p><p>Second</p></body></html>',
    ]);
    assert.equal(of(m), 'Hello world & friends Second');
  });

  it('an empty text/plain alternative falls back to the HTML one', () => {
    const m = message([
      'Content-Type: multipart/alternative; boundary=a',
      '',
      '--a',
      'Content-Type: text/plain',
      '',
      '   ',
      '--a',
      'Content-Type: text/html',
      '',
      '<p>from html</p>',
      '--a--',
    ]);
    assert.equal(of(m), 'from html');
    assert.equal(previewParts(m.s).length, 2);
  });

  it('text parts marked as attachments are skipped', () => {
    const m = message([
      'Content-Type: multipart/mixed; boundary=m',
      '',
      '--m',
      'Content-Type: text/plain',
      'Content-Disposition: attachment; filename=notes.txt',
      '',
      'attached notes',
      '--m',
      'Content-Type: text/plain',
      'Content-Disposition: inline',
      '',
      'the real text',
      '--m--',
    ]);
    assert.equal(of(m), 'the real text');
  });

  it('NIL when there is no text part; the empty string when the text parts hold nothing', () => {
    const image = message([
      'Content-Type: image/png',
      'Content-Transfer-Encoding: base64',
      '',
      'iVBORw0KGgo=',
    ]);
    assert.equal(of(image), null);
    assert.deepEqual(previewParts(image.s), []);
    assert.equal(
      of(load('unsplittable.eml')),
      null,
      'a multipart leaf, an empty multipart, a base64 message',
    );
    assert.equal(of(load('no-body.eml')), '');
  });

  it(`at most ${PREVIEW_LENGTH} characters, counted in code points`, () => {
    const long = message([
      'Content-Type: text/plain; charset=utf-8',
      '',
      `${'😀'.repeat(150)} ${'word '.repeat(100)}`,
    ]);
    const text = of(long)!;
    assert.equal([...text].length, PREVIEW_LENGTH);
    assert.ok(text.startsWith('😀😀'));
    assert.ok(!/[\ud800-\udbff]$/.test(text), 'no half surrogate pair');
  });

  it('control characters become spaces', () => {
    const m = message(['Content-Type: text/plain', '', 'a\x00b\x07c\td\u00a0e']);
    assert.equal(of(m), 'a b c d e');
  });

  it('reads a bounded start of a long body; a character cut at the end is dropped', () => {
    const body = `${'é'.repeat(20_000)}`;
    const m = message(['Content-Type: text/plain; charset=utf-8', '', body]);
    const part = previewParts(m.s)[0]!;
    const range = previewRange(part);
    assert.ok(range.end - range.start < Buffer.byteLength(body));
    // Cut in the middle of a two-byte character: no replacement character appears.
    const cut = m.raw.subarray(range.start, range.start + 401);
    assert.equal(previewText(cut, part), 'é'.repeat(200));
    assert.equal(of(m), 'é'.repeat(200));
  });

  it('base64 text parts are decoded', () => {
    const m = message([
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('Grüße\r\naus Köln').toString('base64'),
    ]);
    assert.equal(of(m), 'Grüße aus Köln');
  });
});
