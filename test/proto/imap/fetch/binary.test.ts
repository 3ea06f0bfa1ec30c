import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  binaryBytes,
  binarySize,
  containsNul,
  decodeBinary,
  planBinary,
  UNKNOWN_CTE,
} from '../../../../src/proto/imap/fetch/binary.ts';
import { load, message } from './helpers.ts';

type Loaded = ReturnType<typeof load>;

function data(m: Loaded, part: number[], partial?: { origin: number; count: number }): Buffer {
  const result = binaryBytes(m.raw, m.s, part, partial);
  assert.equal(result.kind, 'ok', `BINARY[${part.join('.')}] ${result.kind}`);
  return (result as { data: Buffer }).data;
}

describe('BINARY[section] (RFC 3516, RFC 9051 §6.4.5)', () => {
  it('decodes base64 leaves (nested.eml: the PNG signature and the PDF)', () => {
    const m = load('nested.eml');
    assert.deepEqual(data(m, [1, 2, 2]), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    assert.equal(data(m, [2]).toString('latin1'), '%PDF');
    assert.deepEqual(binarySize(m.raw, m.s, [1, 2, 2]), { kind: 'ok', size: 8 });
    assert.deepEqual(binarySize(m.raw, m.s, [2]), { kind: 'ok', size: 4 });
  });

  it('decodes quoted-printable leaves (nested.eml: 1.1)', () => {
    const m = load('nested.eml');
    assert.equal(data(m, [1, 1]).toString('utf8'), 'Café au lait');
    assert.deepEqual(binarySize(m.raw, m.s, [1, 1]), { kind: 'ok', size: 13 });
  });

  it('identity encodings are sent as stored; 8bit text keeps its bytes', () => {
    const m = load('rfc822-attachment.eml');
    assert.equal(data(m, [2, 1]).toString('latin1'), 'Voil\xe0 le rapport.');
    assert.equal(data(m, [1]).toString(), 'See attached.');
  });

  it('text parts get CRLF line ends whatever the stored form; other parts are left alone', () => {
    const lf = load('lf-only.eml');
    assert.equal(data(lf, [1]).toString(), 'line one\r\nline two');
    assert.deepEqual(binarySize(lf.raw, lf.s, [1]), { kind: 'ok', size: 18 });

    const decoded = message([
      'Content-Type: multipart/mixed; boundary=x',
      '',
      '--x',
      'Content-Type: text/plain',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('one\ntwo\r\nthree\n').toString('base64'),
      '--x',
      'Content-Type: application/octet-stream',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('a\nb\x00').toString('base64'),
      '--x--',
    ]);
    assert.equal(data(decoded, [1]).toString(), 'one\r\ntwo\r\nthree\r\n');
    assert.deepEqual(binarySize(decoded.raw, decoded.s, [1]), { kind: 'ok', size: 17 });
    assert.deepEqual(data(decoded, [2]), Buffer.from('a\nb\x00'));
    assert.equal(containsNul(data(decoded, [2])), true);
    assert.equal(containsNul(data(decoded, [1])), false);
  });

  it('BINARY[] is the whole message as stored; multiparts and parsed messages are not decoded', () => {
    const m = load('rfc822-attachment.eml');
    assert.deepEqual(data(m, []), m.raw);
    const inner = m.s.root.children![1]!;
    assert.deepEqual(data(m, [2]), m.raw.subarray(inner.bodyStart, inner.bodyEnd));
    const nested = load('nested.eml');
    const alt = nested.s.root.children![0]!;
    assert.deepEqual(data(nested, [1]), nested.raw.subarray(alt.bodyStart, alt.bodyEnd));
  });

  it('an encoded message/rfc822 leaf is decoded like any leaf (unsplittable.eml: 3)', () => {
    const m = load('unsplittable.eml');
    assert.equal(data(m, [3]).toString(), 'Subject: x\r\n\r\nbody\r\n');
  });

  it('an unknown transfer encoding is UNKNOWN-CTE, for BINARY and BINARY.SIZE alike', () => {
    const m = message([
      'Content-Type: application/octet-stream',
      'Content-Transfer-Encoding: x-uuencode',
      '',
      'x',
    ]);
    assert.deepEqual(planBinary(m.s, [1]), { kind: 'unknown-cte', encoding: 'x-uuencode' });
    assert.deepEqual(binaryBytes(m.raw, m.s, [1]), { kind: 'unknown-cte', encoding: 'x-uuencode' });
    assert.deepEqual(binarySize(m.raw, m.s, [1]), { kind: 'unknown-cte', encoding: 'x-uuencode' });
    assert.equal(UNKNOWN_CTE, 'UNKNOWN-CTE');
    // The whole message has no transfer encoding of its own.
    assert.equal(binaryBytes(m.raw, m.s, []).kind, 'ok');
  });

  it('parts that do not exist are missing', () => {
    const m = load('nested.eml');
    for (const part of [[3], [1, 3], [1, 1, 1], [0], [2, 1]]) {
      assert.deepEqual(binaryBytes(m.raw, m.s, part), { kind: 'missing' }, part.join('.'));
      assert.deepEqual(binarySize(m.raw, m.s, part), { kind: 'missing' });
    }
  });

  it('a partial request applies to the decoded data', () => {
    const m = load('nested.eml');
    assert.equal(data(m, [1, 1], { origin: 3, count: 2 }).toString('utf8'), 'é');
    assert.equal(data(m, [2], { origin: 1, count: 100 }).toString('latin1'), 'PDF');
    assert.equal(data(m, [2], { origin: 4, count: 1 }).length, 0);
  });

  it('the plan tells the range to read and how to decode it', () => {
    const m = load('nested.eml');
    const plan = planBinary(m.s, [1, 2, 2]);
    assert.equal(plan.kind, 'ok');
    if (plan.kind !== 'ok') return;
    assert.equal(plan.decoding, 'base64');
    assert.equal(plan.text, false);
    assert.equal(m.raw.toString('latin1', plan.range.start, plan.range.end), 'iVBORw0KGgo=');
    const text = planBinary(m.s, [1, 1]);
    assert.deepEqual(text.kind === 'ok' && [text.decoding, text.text], ['quoted-printable', true]);
    assert.equal(
      decodeBinary(Buffer.from('a=3Db\nc'), { decoding: 'quoted-printable', text: true }).toString(),
      'a=b\r\nc',
    );
  });
});
