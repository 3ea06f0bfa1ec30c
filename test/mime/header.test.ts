import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  fieldText,
  findFields,
  headerEncoding,
  headerText,
  headerValue,
  indexFields,
  parseHeaderBlock,
  rawValue,
  unfold,
} from '../../src/mime/header.ts';

const buf = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('parseHeaderBlock (RFC 5322 §2.2)', () => {
  it('splits fields with offsets and ends after the blank line', () => {
    const raw = buf('From: a@b\r\nSubject: hi\r\n\r\nbody');
    const h = parseHeaderBlock(raw, 0);
    assert.equal(h.end, 26);
    assert.equal(h.lines, 3);
    assert.equal(h.blankLine, true);
    assert.deepEqual(h.fields, [
      { name: 'From', start: 0, valueStart: 5, end: 11 },
      { name: 'Subject', start: 11, valueStart: 19, end: 24 },
    ]);
    assert.equal(rawValue(raw, h.fields[1]!), ' hi');
  });

  it('keeps folding in the raw value and unfolds on request (§2.2.3)', () => {
    const raw = buf('Subject: a\r\n  b\r\n\tc\r\nX: y\r\n\r\n');
    const h = parseHeaderBlock(raw, 0);
    assert.equal(h.fields.length, 2);
    assert.equal(rawValue(raw, h.fields[0]!), ' a\r\n  b\r\n\tc');
    assert.equal(fieldText(raw, h.fields[0]!), 'a  b\tc');
    assert.equal(unfold(' a\r\n b\n c'), ' a b c');
  });

  it('accepts bare LF, white space before the colon, and skips lines without a colon', () => {
    const raw = buf('From : a\ngarbage line\n continued garbage\nTo: b\n\nbody');
    const h = parseHeaderBlock(raw, 0);
    assert.deepEqual(
      h.fields.map((f) => [f.name, rawValue(raw, f)]),
      [
        ['From', ' a'],
        ['To', ' b'],
      ],
    );
    assert.equal(h.end, raw.indexOf('body'));
    assert.equal(h.lines, 5);
  });

  it('runs to the end without a blank line; an empty header is just the blank line', () => {
    const noBlank = buf('A: 1\r\nB: 2');
    const h = parseHeaderBlock(noBlank, 0);
    assert.deepEqual([h.end, h.blankLine, h.lines, h.fields.length], [noBlank.length, false, 1, 2]);
    assert.equal(rawValue(noBlank, h.fields[1]!), ' 2');
    const empty = parseHeaderBlock(buf('xx\r\nbody'), 2);
    assert.deepEqual([empty.start, empty.end, empty.lines, empty.fields.length], [2, 4, 1, 0]);
  });

  it('stops before a line isStop accepts, giving the line break to it', () => {
    const raw = buf('A: 1\r\nB: 2\r\n--b\r\nrest');
    const h = parseHeaderBlock(raw, 0, { isStop: (at) => raw.toString('latin1', at, at + 3) === '--b' });
    assert.equal(h.stoppedAt, 12);
    assert.equal(h.end, 10);
    assert.equal(h.lines, 1);
    assert.equal(h.fields[1]!.end, 10);
    const first = parseHeaderBlock(raw, 12, { isStop: () => true });
    assert.deepEqual([first.end, first.stoppedAt, first.lines], [12, 12, 0]);
  });

  it('records at most maxFields fields but still finds the end', () => {
    const raw = buf('A: 1\r\nB: 2\r\nC: 3\r\n\r\n');
    const h = parseHeaderBlock(raw, 0, { maxFields: 2 });
    assert.equal(h.fields.length, 2);
    assert.equal(h.end, raw.length);
  });

  it('looks fields up case-insensitively, the first occurrence first', () => {
    const raw = buf('subject: one\r\nSUBJECT: two\r\nX-A:  a \r\n\r\n');
    const h = parseHeaderBlock(raw, 0);
    assert.equal(headerValue(raw, h, 'Subject'), 'one');
    assert.equal(headerValue(raw, h, 'x-a'), 'a');
    assert.equal(headerValue(raw, h, 'missing'), undefined);
    assert.equal(findFields(h, 'Subject').length, 2);
    assert.equal(indexFields(h).get('subject'), h.fields[0]);
  });

  it('decodes 8-bit bytes as UTF-8 when valid, else Latin-1, without loss', () => {
    const utf8 = Buffer.from('Grüße', 'utf8');
    assert.equal(headerText(utf8), 'Grüße');
    assert.equal(headerEncoding(utf8), 'utf8');
    const latin = Buffer.from([0x63, 0x61, 0x66, 0xe9]);
    assert.equal(headerText(latin), 'café');
    assert.equal(headerEncoding(latin), 'latin1');
    assert.ok(Buffer.from(headerText(latin), headerEncoding(latin)).equals(latin));
  });

  it('never throws; fields are ordered inside the block and lines count its LFs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('A', ':', ' ', '\t', '\r', '\n', '\r\n', 'x', '-', '\u00e9'), {
          maxLength: 80,
        }),
        fc.nat(5),
        (pieces, start) => {
          const raw = buf(pieces.join(''));
          const from = Math.min(start, raw.length);
          const h = parseHeaderBlock(raw, from, { isStop: (at) => raw[at + 2] === 0x78 });
          assert.ok(h.start <= h.end && h.end <= raw.length);
          let lf = 0;
          for (let i = h.start; i < h.end; i++) if (raw[i] === 0x0a) lf++;
          assert.equal(h.lines, lf);
          let previous = h.start;
          for (const f of h.fields) {
            assert.ok(
              previous <= f.start && f.start < f.valueStart && f.valueStart <= f.end && f.end <= h.end,
            );
            previous = f.end;
            rawValue(raw, f);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
