import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findPart, parseSectionPath, sectionRange, walkParts } from '../../src/mime/section.ts';
import { indexMessage } from '../../src/mime/structure.ts';
import type { MessageStructure, MimeMessage } from '../../src/mime/types.ts';
import { fixture, slice } from './helpers.ts';

function load(name: string): { raw: Buffer; s: MessageStructure } {
  const raw = fixture(name);
  return { raw, s: indexMessage(raw) };
}

function fetch(
  raw: Buffer,
  msg: MimeMessage,
  section: string,
  text?: 'HEADER' | 'TEXT' | 'MIME',
): string | undefined {
  const r = sectionRange(msg, section, text);
  return r === undefined ? undefined : slice(raw, r.start, r.end);
}

describe('parseSectionPath', () => {
  it('parses dotted non-zero numbers', () => {
    assert.deepEqual(parseSectionPath(''), []);
    assert.deepEqual(parseSectionPath('1.22.3'), [1, 22, 3]);
    for (const bad of ['0', '1.', '.1', '1..2', '01', 'a', '1.0', '1 2', '9999999999']) {
      assert.equal(parseSectionPath(bad), undefined, bad);
    }
  });
});

describe('findPart and sectionRange (RFC 9051 §6.4.5)', () => {
  it('a single-part message: part 1 is the body, 1.MIME the header', () => {
    const { raw, s } = load('simple-text.eml');
    assert.equal(findPart(s, '1'), s.root);
    assert.equal(findPart(s, []), s.root);
    assert.equal(findPart(s, '2'), undefined);
    assert.equal(findPart(s, '1.1'), undefined);
    assert.equal(fetch(raw, s, '1'), 'Hi Bob,\r\n\r\nLunch on Friday at noon?\r\n-- \r\nAlice\r\n');
    assert.equal(fetch(raw, s, ''), slice(raw, 0, raw.length));
    assert.equal(fetch(raw, s, '', 'TEXT'), fetch(raw, s, '1'));
    assert.ok(fetch(raw, s, '', 'HEADER')?.endsWith('In-Reply-To: <prev@example.com>\r\n\r\n'));
    assert.equal(fetch(raw, s, '1', 'MIME'), fetch(raw, s, '', 'HEADER'));
    assert.equal(fetch(raw, s, '', 'MIME'), undefined);
    assert.equal(fetch(raw, s, '1', 'HEADER'), undefined);
  });

  it('nested multiparts are numbered from 1 at each level', () => {
    const { raw, s } = load('nested.eml');
    assert.equal(findPart(s, '1.2.2')?.subtype, 'png');
    assert.equal(findPart(s, [2])?.subtype, 'pdf');
    assert.equal(findPart(s, '3'), undefined);
    assert.equal(findPart(s, '1.3'), undefined);
    assert.equal(findPart(s, '1.1.1'), undefined);
    assert.equal(fetch(raw, s, '1.2.2'), 'iVBORw0KGgo=');
    assert.equal(fetch(raw, s, '1.2.1', 'MIME'), 'Content-Type: text/html; charset=utf-8\r\n\r\n');
    assert.ok(fetch(raw, s, '1.2')?.startsWith('--rel-1\r\n'));
  });

  it('a message/rfc822 part: N.HEADER, N.TEXT and the parts of the message it holds', () => {
    const { raw, s } = load('rfc822-attachment.eml');
    assert.equal(findPart(s, '2')?.type, 'message');
    assert.equal(fetch(raw, s, '2.2'), 'a,b\r\n1,2');
    assert.ok(fetch(raw, s, '2', 'HEADER')?.startsWith('From: Original Sender'));
    assert.ok(fetch(raw, s, '2', 'HEADER')?.endsWith('boundary=inner\r\n\r\n'));
    assert.ok(fetch(raw, s, '2', 'TEXT')?.startsWith('--inner\r\n'));
    assert.equal(
      fetch(raw, s, '2', 'MIME'),
      'Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n',
    );
    assert.equal(fetch(raw, s, '2'), `${fetch(raw, s, '2', 'HEADER')}${fetch(raw, s, '2', 'TEXT')}`);
    assert.equal(fetch(raw, s, '2.3'), undefined);
  });

  it('a message/rfc822 holding a single part: N.1 is its body', () => {
    const { raw, s } = load('digest.eml');
    assert.equal(fetch(raw, s, '1.1'), 'First message.');
    assert.equal(fetch(raw, s, '1', 'TEXT'), 'First message.');
    assert.equal(fetch(raw, s, '1.1', 'MIME'), 'From: one@example.org\r\nSubject: first\r\n\r\n');
    assert.equal(findPart(s, '1.2'), undefined);
    assert.equal(findPart(s, '3.1'), undefined);
  });

  it('walkParts visits every part with its number', () => {
    const { s } = load('rfc822-attachment.eml');
    const seen: string[] = [];
    walkParts(s, (p, path) => {
      seen.push(`${path.join('.')}:${p.type}/${p.subtype}`);
    });
    assert.deepEqual(seen, [
      ':multipart/mixed',
      '1:text/plain',
      '2:message/rfc822',
      '2:multipart/mixed',
      '2.1:text/plain',
      '2.2:text/csv',
    ]);
    for (const entry of seen) {
      const path = entry.slice(0, entry.indexOf(':'));
      if (path !== '' && !entry.endsWith('multipart/mixed')) assert.ok(findPart(s, path) !== undefined);
    }
  });
});
