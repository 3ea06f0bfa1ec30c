import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeReply, isEnhancedCodeFor, isReplyCode } from '../../../src/proto/smtp/reply.ts';
import { ReplyParser } from '../../../src/proto/smtp/reply-parser.ts';

const text = (b: Buffer): string => b.toString('utf8');

describe('encodeReply (RFC 5321 §4.2.1, RFC 2034 §4)', () => {
  it('writes a single line', () => {
    assert.equal(text(encodeReply({ code: 250, lines: ['OK'] })), '250 OK\r\n');
    assert.equal(text(encodeReply({ code: 250, enhanced: '2.1.0', lines: ['Ok'] })), '250 2.1.0 Ok\r\n');
  });

  it('writes continuation lines with "-" and the enhanced code on every line', () => {
    assert.equal(
      text(encodeReply({ code: 250, lines: ['foo.com greets bar.com', '8BITMIME', 'SIZE', 'DSN', 'HELP'] })),
      '250-foo.com greets bar.com\r\n250-8BITMIME\r\n250-SIZE\r\n250-DSN\r\n250 HELP\r\n',
    );
    assert.equal(
      text(encodeReply({ code: 550, enhanced: '5.1.1', lines: ['No such user', 'try again'] })),
      '550-5.1.1 No such user\r\n550 5.1.1 try again\r\n',
    );
  });

  it('writes the code alone for empty text', () => {
    assert.equal(text(encodeReply({ code: 354, lines: [] })), '354\r\n');
    // RFC 4954 §8: an AUTH challenge keeps its space even when empty.
    assert.equal(text(encodeReply({ code: 334, lines: [''] })), '334 \r\n');
    assert.equal(text(encodeReply({ code: 250, enhanced: '2.0.0', lines: [''] })), '250 2.0.0\r\n');
    assert.equal(text(encodeReply({ code: 250, lines: ['', 'x'] })), '250-\r\n250 x\r\n');
  });

  it('writes UTF-8 text', () => {
    assert.deepEqual(encodeReply({ code: 250, lines: ['ü'] }), Buffer.from('250 ü\r\n', 'utf8'));
  });

  it('refuses codes, enhanced codes and text that would corrupt the stream', () => {
    assert.throws(() => encodeReply({ code: 199, lines: ['x'] }), RangeError);
    assert.throws(() => encodeReply({ code: 600, lines: ['x'] }), RangeError);
    assert.throws(() => encodeReply({ code: 260, lines: ['x'] }), RangeError);
    assert.throws(() => encodeReply({ code: 250.5, lines: ['x'] }), RangeError);
    assert.throws(() => encodeReply({ code: 550, enhanced: '2.0.0', lines: ['x'] }), RangeError);
    assert.throws(() => encodeReply({ code: 550, enhanced: '5.1', lines: ['x'] }), RangeError);
    assert.throws(() => encodeReply({ code: 250, lines: ['a\r\n250 smuggled'] }), RangeError);
    assert.throws(() => encodeReply({ code: 250, lines: ['a\nb'] }), RangeError);
    assert.throws(() => encodeReply({ code: 250, lines: ['a\0b'] }), RangeError);
  });

  it('validates codes per the grammar', () => {
    assert.equal(isReplyCode(250), true);
    assert.equal(isReplyCode(559), true);
    assert.equal(isReplyCode(260), false);
    assert.equal(isEnhancedCodeFor(451, '4.3.0'), true);
    assert.equal(isEnhancedCodeFor(451, '5.3.0'), false);
    assert.equal(isEnhancedCodeFor(550, '5.1000.1'), false);
  });
});

describe('encode then parse', () => {
  const printable = fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    maxLength: 40,
  });
  const reply = fc.record({
    code: fc.integer({ min: 200, max: 599 }).filter(isReplyCode),
    enhanced: fc.option(fc.tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 999 })), {
      nil: undefined,
    }),
    lines: fc.array(printable, { minLength: 1, maxLength: 5 }),
  });

  it('the parser returns what the encoder wrote', () => {
    fc.assert(
      fc.property(reply, ({ code, enhanced, lines }) => {
        const e =
          enhanced === undefined || Math.floor(code / 100) === 3
            ? undefined
            : `${Math.floor(code / 100)}.${enhanced[0]}.${enhanced[1]}`;
        const wire = encodeReply({ code, enhanced: e, lines });
        const r = new ReplyParser().push(wire);
        assert.equal(r.ok, true);
        assert.equal(r.replies.length, 1);
        const got = r.replies[0]!;
        assert.equal(got.code, code);
        if (e !== undefined) {
          assert.equal(got.enhanced, e);
          assert.deepEqual(got.lines, lines);
        } else {
          // Text that happens to start like an enhanced code is read as one: only compare when it does not.
          if (!/^[245]\.\d{1,3}\.\d{1,3}( |$)/.test(lines[0]!)) assert.deepEqual(got.lines, lines);
        }
      }),
    );
  });
});
