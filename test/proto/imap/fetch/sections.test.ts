import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyPartial,
  headerFields,
  narrowRange,
  partialRange,
  planSection,
  type SectionSpec,
  sectionBytes,
} from '../../../../src/proto/imap/fetch/sections.ts';
import { load, message } from './helpers.ts';

type Loaded = ReturnType<typeof load>;

/** BODY[spec] as a Latin-1 string (one char per byte), or null for NIL. */
function fetch(
  { raw, s }: Loaded,
  spec: SectionSpec,
  partial?: { origin: number; count: number },
): string | null {
  const data = sectionBytes(raw, s, spec, partial);
  return data === null ? null : data.toString('latin1');
}

/** The message of the RFC 3501 §6.4.5 example, part for part (RFC 9051 §6.4.5 has the same). */
const complex = message([
  'From: top@example.org',
  'Subject: top',
  'MIME-Version: 1.0',
  'Content-Type: MULTIPART/MIXED; boundary="A"',
  '',
  'preamble',
  '--A',
  'Content-Type: TEXT/PLAIN',
  '',
  'part one',
  '--A',
  'Content-Type: APPLICATION/OCTET-STREAM',
  'Content-Transfer-Encoding: base64',
  '',
  'cGFydCB0d28=',
  '--A',
  'Content-Type: MESSAGE/RFC822',
  '',
  'Subject: three',
  'Content-Type: MULTIPART/MIXED; boundary="B"',
  '',
  '--B',
  'Content-Type: TEXT/PLAIN',
  '',
  'part three one',
  '--B',
  'Content-Type: APPLICATION/OCTET-STREAM',
  '',
  'part three two',
  '--B--',
  '--A',
  'Content-Type: MULTIPART/MIXED; boundary="C"',
  '',
  '--C',
  'Content-Type: IMAGE/GIF',
  '',
  'GIF89a',
  '--C',
  'Content-Type: MESSAGE/RFC822',
  '',
  'Subject: four two',
  'Content-Type: MULTIPART/MIXED; boundary="D"',
  '',
  '--D',
  'Content-Type: TEXT/PLAIN',
  '',
  'part four two one',
  '--D',
  'Content-Type: MULTIPART/ALTERNATIVE; boundary="E"',
  '',
  '--E',
  'Content-Type: TEXT/PLAIN',
  '',
  'part four two two one',
  '--E',
  'Content-Type: TEXT/RICHTEXT',
  '',
  'part four two two two',
  '--E--',
  '--D--',
  '--C--',
  '--A--',
  '',
]);

describe('BODY[section]: the RFC 3501 / RFC 9051 §6.4.5 example', () => {
  const m = complex;
  const raw = m.raw.toString('latin1');

  it('HEADER and TEXT of the message', () => {
    assert.equal(
      fetch(m, { part: [], kind: 'HEADER' }),
      'From: top@example.org\r\nSubject: top\r\nMIME-Version: 1.0\r\n' +
        'Content-Type: MULTIPART/MIXED; boundary="A"\r\n\r\n',
    );
    const textPart = fetch(m, { part: [], kind: 'TEXT' })!;
    assert.ok(textPart.startsWith('preamble\r\n--A\r\n'));
    assert.equal(fetch(m, { part: [] }), raw);
    assert.equal(fetch(m, { part: [], kind: 'HEADER' })! + textPart, raw);
  });

  it('the leaves, by their part numbers', () => {
    const leaves: [number[], string][] = [
      [[1], 'part one'],
      [[2], 'cGFydCB0d28='],
      [[3, 1], 'part three one'],
      [[3, 2], 'part three two'],
      [[4, 1], 'GIF89a'],
      [[4, 2, 1], 'part four two one'],
      [[4, 2, 2, 1], 'part four two two one'],
      [[4, 2, 2, 2], 'part four two two two'],
    ];
    for (const [part, content] of leaves) assert.equal(fetch(m, { part }), content, part.join('.'));
  });

  it('a message/rfc822 part: the whole encapsulated message, its HEADER and its TEXT', () => {
    const three = fetch(m, { part: [3] })!;
    assert.ok(
      three.startsWith('Subject: three\r\nContent-Type: MULTIPART/MIXED; boundary="B"\r\n\r\n--B\r\n'),
    );
    assert.ok(three.endsWith('part three two\r\n--B--\r\n'));
    assert.equal(
      fetch(m, { part: [3], kind: 'HEADER' }),
      'Subject: three\r\nContent-Type: MULTIPART/MIXED; boundary="B"\r\n\r\n',
    );
    assert.equal(fetch(m, { part: [3], kind: 'HEADER' })! + fetch(m, { part: [3], kind: 'TEXT' })!, three);
    assert.equal(fetch(m, { part: [3], kind: 'MIME' }), 'Content-Type: MESSAGE/RFC822\r\n\r\n');
    assert.equal(
      fetch(m, { part: [4, 2], kind: 'HEADER' }),
      'Subject: four two\r\nContent-Type: MULTIPART/MIXED; boundary="D"\r\n\r\n',
    );
    assert.ok(fetch(m, { part: [4, 2], kind: 'TEXT' })!.startsWith('--D\r\nContent-Type: TEXT/PLAIN\r\n'));
  });

  it('MIME: the part header of any part', () => {
    assert.equal(fetch(m, { part: [4, 1], kind: 'MIME' }), 'Content-Type: IMAGE/GIF\r\n\r\n');
    assert.equal(fetch(m, { part: [4, 2, 2, 2], kind: 'MIME' }), 'Content-Type: TEXT/RICHTEXT\r\n\r\n');
    assert.equal(
      fetch(m, { part: [4], kind: 'MIME' }),
      'Content-Type: MULTIPART/MIXED; boundary="C"\r\n\r\n',
    );
    assert.ok(fetch(m, { part: [4] })!.startsWith('--C\r\nContent-Type: IMAGE/GIF\r\n'));
  });

  it('sections that do not exist are NIL', () => {
    const missing: SectionSpec[] = [
      { part: [5] },
      { part: [1, 1] },
      { part: [4, 3] },
      { part: [4, 2, 3] },
      { part: [4, 2, 2, 3] },
      { part: [], kind: 'MIME' },
      { part: [1], kind: 'HEADER' },
      { part: [1], kind: 'TEXT' },
      { part: [4], kind: 'HEADER' },
      { part: [4, 2, 2], kind: 'TEXT' },
      { part: [4, 1], kind: 'HEADER.FIELDS', fields: ['Subject'] },
      { part: [0] },
      { part: [1.5] },
      { part: [-1] },
    ];
    for (const spec of missing) {
      assert.equal(fetch(m, spec), null, JSON.stringify(spec));
      assert.deepEqual(planSection(m.s, spec), { found: false });
    }
  });

  it('HEADER.FIELDS on an encapsulated message', () => {
    assert.equal(
      fetch(m, { part: [3], kind: 'HEADER.FIELDS', fields: ['subject'] }),
      'Subject: three\r\n\r\n',
    );
    assert.equal(
      fetch(m, { part: [4, 2], kind: 'HEADER.FIELDS.NOT', fields: ['SUBJECT'] }),
      'Content-Type: MULTIPART/MIXED; boundary="D"\r\n\r\n',
    );
  });
});

describe('BODY[section] over the fixtures', () => {
  it('a single-part message: part 1 is the body, 1.MIME the message header', () => {
    const m = load('simple-text.eml');
    assert.equal(fetch(m, { part: [1] }), 'Hi Bob,\r\n\r\nLunch on Friday at noon?\r\n-- \r\nAlice\r\n');
    assert.equal(fetch(m, { part: [1] }), fetch(m, { part: [], kind: 'TEXT' }));
    assert.equal(fetch(m, { part: [1], kind: 'MIME' }), fetch(m, { part: [], kind: 'HEADER' }));
    assert.equal(fetch(m, { part: [2] }), null);
    assert.equal(fetch(m, { part: [1, 1] }), null);
  });

  it('a message/rfc822 attachment (rfc822-attachment.eml): 2.HEADER, 2.1, 2.2.MIME', () => {
    const m = load('rfc822-attachment.eml');
    assert.equal(
      fetch(m, { part: [2], kind: 'HEADER' }),
      'From: Original Sender <orig@example.net>\r\nTo: fwd@example.org\r\nSubject: report\r\n' +
        'Date: Tue, 2 Jan 2024 08:00:00 -0500\r\nMessage-ID: <orig@example.net>\r\n' +
        'Content-Type: multipart/mixed; boundary=inner\r\n\r\n',
    );
    assert.equal(fetch(m, { part: [2, 1] }), 'Voil\xe0 le rapport.');
    assert.equal(fetch(m, { part: [2, 2] }), 'a,b\r\n1,2');
    assert.equal(
      fetch(m, { part: [2, 2], kind: 'MIME' }),
      'Content-Type: text/csv; name=data.csv\r\nContent-Disposition: attachment; filename=data.csv\r\n\r\n',
    );
    assert.equal(
      fetch(m, { part: [2], kind: 'HEADER.FIELDS', fields: ['Message-ID', 'DATE'] }),
      'Date: Tue, 2 Jan 2024 08:00:00 -0500\r\nMessage-ID: <orig@example.net>\r\n\r\n',
    );
    assert.equal(fetch(m, { part: [1], kind: 'HEADER' }), null, 'part 1 is text/plain, not a message');
  });

  it('a message stored with bare LF: sections and the blank line as stored', () => {
    const m = load('lf-only.eml');
    assert.equal(fetch(m, { part: [1] }), 'line one\nline two');
    assert.equal(fetch(m, { part: [2], kind: 'MIME' }), 'Content-Type: text/html\n\n');
    assert.equal(fetch(m, { part: [], kind: 'HEADER.FIELDS', fields: ['from'] }), 'From: lf@example.org\n\n');
  });

  it('a header without a blank line (header-only.eml): no blank line is made up', () => {
    const m = load('header-only.eml');
    assert.equal(fetch(m, { part: [], kind: 'HEADER' }), 'From: a@example.org\r\nSubject: no blank line');
    assert.equal(fetch(m, { part: [], kind: 'TEXT' }), '');
    assert.equal(
      fetch(m, { part: [], kind: 'HEADER.FIELDS', fields: ['Subject'] }),
      'Subject: no blank line',
    );
    assert.equal(fetch(m, { part: [], kind: 'HEADER.FIELDS', fields: ['from'] }), 'From: a@example.org\r\n');
  });

  it('a part header cut short by a boundary (header-cut-by-boundary.eml)', () => {
    const m = load('header-cut-by-boundary.eml');
    assert.equal(fetch(m, { part: [1], kind: 'MIME' }), 'Content-Type: text/plain\r\nX-Truncated: yes');
    assert.equal(fetch(m, { part: [1] }), '');
    assert.equal(fetch(m, { part: [2], kind: 'HEADER' }), '');
    assert.equal(fetch(m, { part: [2], kind: 'HEADER.FIELDS', fields: ['X'] }), '');
  });

  it('an 8-bit header is returned byte for byte', () => {
    const m = load('eight-bit-headers.eml');
    const subject = fetch(m, { part: [], kind: 'HEADER.FIELDS', fields: ['subject', 'x-latin'] })!;
    assert.equal(
      Buffer.from(subject, 'latin1').toString('hex'),
      Buffer.concat([
        Buffer.from('Subject: Grüße aus Köln\r\n', 'utf8'),
        Buffer.from('X-Latin: caf\xe9\r\n', 'latin1'),
        Buffer.from('\r\n'),
      ]).toString('hex'),
    );
  });
});

describe('HEADER.FIELDS and HEADER.FIELDS.NOT (RFC 9051 §6.4.5)', () => {
  const header = Buffer.from(
    'Received: from a\r\n\tby b\r\n' +
      'From: Alice <alice@example.org>\r\n' +
      'Received: from c\r\n' +
      'subject : spaced name\r\n' +
      'no colon on this line\r\n' +
      'To: bob@example.com,\r\n carol@example.com\r\n' +
      '\r\n',
  );

  it('selects the named fields, case-insensitively, whole with their folded lines, in header order', () => {
    assert.equal(
      headerFields(header, ['TO', 'received'], false).toString(),
      'Received: from a\r\n\tby b\r\nReceived: from c\r\nTo: bob@example.com,\r\n carol@example.com\r\n\r\n',
    );
    assert.equal(headerFields(header, ['Subject'], false).toString(), 'subject : spaced name\r\n\r\n');
  });

  it('NOT selects the other fields; lines that are no field are never selected', () => {
    assert.equal(
      headerFields(header, ['received', 'to'], true).toString(),
      'From: Alice <alice@example.org>\r\nsubject : spaced name\r\n\r\n',
    );
    assert.equal(headerFields(header, [], true).toString().includes('no colon'), false);
  });

  it('no matching field leaves the blank line alone', () => {
    assert.equal(headerFields(header, ['X-None'], false).toString(), '\r\n');
    assert.equal(headerFields(Buffer.from('\r\n'), ['a'], true).toString(), '\r\n');
    assert.equal(headerFields(Buffer.alloc(0), ['a'], false).length, 0);
  });

  it('the plan of a HEADER.FIELDS section reads the header and carries the filter', () => {
    const m = load('simple-text.eml');
    const plan = planSection(m.s, { part: [], kind: 'HEADER.FIELDS.NOT', fields: ['Received'] });
    assert.ok(plan.found);
    assert.deepEqual(plan.filter, { fields: ['Received'], not: true });
    assert.equal(plan.range.start, 0);
    assert.equal(plan.range.end, m.s.root.bodyStart);
    const text = fetch(m, { part: [], kind: 'HEADER.FIELDS.NOT', fields: ['Received'] })!;
    assert.ok(text.startsWith('Return-Path: <alice@example.org>\r\nFrom: Alice Example'));
    assert.ok(!text.includes('ESMTPS'), 'the folded lines go with their field');
    assert.ok(text.endsWith('In-Reply-To: <prev@example.com>\r\n\r\n'));
  });

  it('a HEADER.FIELDS kind without a field list selects nothing but the blank line', () => {
    assert.equal(fetch(load('simple-text.eml'), { part: [], kind: 'HEADER.FIELDS' }), '\r\n');
  });
});

describe('partial fetch <origin.count> (RFC 9051 §6.4.5)', () => {
  it('partialRange cuts at the end; an origin beyond the end gives nothing', () => {
    assert.deepEqual(partialRange(100, { origin: 0, count: 10 }), { start: 0, end: 10 });
    assert.deepEqual(partialRange(100, { origin: 95, count: 10 }), { start: 95, end: 100 });
    assert.deepEqual(partialRange(100, { origin: 100, count: 10 }), { start: 100, end: 100 });
    assert.deepEqual(partialRange(100, { origin: 2 ** 40, count: 2 ** 40 }), { start: 100, end: 100 });
    assert.deepEqual(partialRange(0, { origin: 0, count: 1 }), { start: 0, end: 0 });
  });

  it('applies to BODY[] and to part bodies, as octets of the section', () => {
    const m = load('simple-text.eml');
    assert.equal(fetch(m, { part: [] }, { origin: 0, count: 11 }), 'Return-Path');
    assert.equal(fetch(m, { part: [1] }, { origin: 3, count: 3 }), 'Bob');
    assert.equal(fetch(m, { part: [1] }, { origin: 44, count: 100 }), 'ice\r\n');
    assert.equal(fetch(m, { part: [1] }, { origin: 49, count: 1 }), '');
    assert.equal(fetch(m, { part: [1] }, { origin: 1000, count: 1 }), '');
    assert.equal(fetch(m, { part: [9] }, { origin: 0, count: 1 }), null);
  });

  it('applies to the filtered header, not to the raw one', () => {
    const m = load('simple-text.eml');
    assert.equal(
      fetch(m, { part: [], kind: 'HEADER.FIELDS', fields: ['Subject'] }, { origin: 9, count: 5 }),
      'Lunch',
    );
  });

  it('narrowRange gives the absolute bytes to read; applyPartial slices data', () => {
    assert.deepEqual(narrowRange({ start: 10, end: 20 }, { origin: 5, count: 100 }), { start: 15, end: 20 });
    assert.deepEqual(narrowRange({ start: 10, end: 20 }, { origin: 50, count: 1 }), { start: 20, end: 20 });
    assert.deepEqual(narrowRange({ start: 10, end: 20 }, undefined), { start: 10, end: 20 });
    assert.equal(applyPartial(Buffer.from('abcdef'), { origin: 2, count: 2 }).toString(), 'cd');
    assert.equal(applyPartial(Buffer.from('abcdef'), undefined).toString(), 'abcdef');
  });
});
