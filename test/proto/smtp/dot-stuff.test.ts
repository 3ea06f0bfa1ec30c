import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DataDecoder } from '../../../src/proto/smtp/data-decoder.ts';
import { DotStuffer, dotStuff } from '../../../src/proto/smtp/dot-stuff.ts';
import { CHUNK_SIZES, octetString, split } from './chunks.ts';

function stuffChunks(chunks: Buffer[]): string {
  const s = new DotStuffer();
  const out: Buffer[] = [];
  for (const c of chunks) out.push(...s.push(c));
  out.push(...s.end());
  return Buffer.concat(out).toString('latin1');
}

function stuff(input: string): string {
  const buf = Buffer.from(input, 'latin1');
  const whole = dotStuff(buf).toString('latin1');
  for (const size of CHUNK_SIZES) assert.equal(stuffChunks(split(buf, size)), whole, `chunk size ${size}`);
  return whole;
}

describe('dot-stuffing (RFC 5321 §4.5.2)', () => {
  it('doubles leading dots and appends the terminator', () => {
    assert.equal(stuff('a\r\n.b\r\n..\r\n.\r\n'), 'a\r\n..b\r\n...\r\n..\r\n.\r\n');
    assert.equal(stuff('.first\r\n'), '..first\r\n.\r\n');
    assert.equal(stuff('a.b\r\n'), 'a.b\r\n.\r\n');
  });

  it('adds the missing final CRLF', () => {
    assert.equal(stuff(''), '.\r\n');
    assert.equal(stuff('abc'), 'abc\r\n.\r\n');
    assert.equal(stuff('abc\r\n'), 'abc\r\n.\r\n');
  });

  it('writes bare CR and LF as CRLF and stuffs the line after them (no outbound smuggling)', () => {
    assert.equal(stuff('a\n.\nb'), 'a\r\n..\r\nb\r\n.\r\n');
    assert.equal(stuff('a\r.\rb'), 'a\r\n..\r\nb\r\n.\r\n');
    assert.equal(stuff('a\r'), 'a\r\n.\r\n');
    assert.equal(stuff('a\r\r\n'), 'a\r\n\r\n.\r\n');
  });

  it('handles CRLF split across chunks', () => {
    assert.equal(
      stuffChunks([Buffer.from('a\r'), Buffer.from('\n.b\r'), Buffer.from('\n')]),
      'a\r\n..b\r\n.\r\n',
    );
  });

  it('refuses push after end', () => {
    const s = new DotStuffer();
    s.end();
    assert.throws(() => s.push(Buffer.from('x')));
    assert.deepEqual(s.end(), []);
  });

  it('the output of any input is read back by the decoder as exactly one message with no bare line ends', () => {
    fc.assert(
      fc.property(octetString(200), (x) => {
        const wire = Buffer.from(stuff(x), 'latin1');
        const d = new DataDecoder({ bareLineEnds: 'reject' });
        const r = d.push(Buffer.concat([wire, Buffer.from('QUIT\r\n')]));
        assert.equal(r.done, true);
        assert.equal(r.consumed, wire.length);
        assert.equal(d.status.refused, null);
        // The content is x with its line ends made CRLF and a final CRLF added when missing.
        const expected = x.replace(/\r\n|\r|\n/g, '\r\n');
        const content = Buffer.concat(r.chunks).toString('latin1');
        assert.equal(content, expected === '' || expected.endsWith('\r\n') ? expected : `${expected}\r\n`);
      }),
      { numRuns: 500 },
    );
  });
});

describe('dot-stuffing of content already in canonical form (the fast path)', () => {
  it('passes CRLF lines through unchanged, stuffing only the lines that start with "."', () => {
    const line = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', 'b', ' ', '.', '\t'), maxLength: 12 }),
      fc.constant('.'),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), fc.boolean(), (lines, finalCrlf) => {
        const tail = finalCrlf && lines.length > 0 ? '\r\n' : '';
        const input = lines.join('\r\n') + tail;
        const stuffed = lines.map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n') + tail;
        const expected = `${stuffed === '' || stuffed.endsWith('\r\n') ? stuffed : `${stuffed}\r\n`}.\r\n`;
        assert.equal(stuff(input), expected);
      }),
      { numRuns: 500 },
    );
  });

  it('hands canonical chunks back as they are (no copy)', () => {
    const chunk = Buffer.from('Subject: x\r\n\r\nbody\r\n');
    const s = new DotStuffer();
    const out = s.push(chunk);
    assert.equal(out.length, 1);
    assert.equal(out[0], chunk);
    assert.equal(Buffer.concat(s.end()).toString(), '.\r\n');
  });
});

describe('line-end repair without dot-stuffing (for BDAT)', () => {
  it('keeps dots, writes bare CR/LF as CRLF, adds only a missing final CRLF', () => {
    const s = new DotStuffer({ stuffDots: false });
    const out = Buffer.concat([
      ...s.push(Buffer.from('.a\nb\r')),
      ...s.push(Buffer.from('\n.c')),
      ...s.end(),
    ]);
    assert.equal(out.toString(), '.a\r\nb\r\n.c\r\n');
    const whole = new DotStuffer({ stuffDots: false });
    assert.deepEqual(
      Buffer.concat([...whole.push(Buffer.from('x\r\n')), ...whole.end()]).toString(),
      'x\r\n',
    );
  });
});
