import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  astring,
  encodeContinuation,
  encodeLiteral8,
  encodeString,
  encodeTagged,
  encodeUntagged,
  encodeUntaggedStatus,
  encodeValue,
  MAX_QUOTED,
} from '../../../src/proto/imap/encode.ts';
import { atom, type ImapValue } from '../../../src/proto/imap/value.ts';
import { parse } from './helpers.ts';

const rev1 = { utf8: false };
const rev2 = { utf8: true };

function enc(value: ImapValue, opts = rev1): string {
  return encodeValue(value, opts).toString('latin1');
}

describe('encodeValue', () => {
  it('writes NIL, numbers, atoms and lists (RFC 9051 §4)', () => {
    assert.equal(enc(null), 'NIL');
    assert.equal(enc(0), '0');
    assert.equal(enc(4294967295), '4294967295');
    assert.equal(enc(9223372036854775807n), '9223372036854775807');
    assert.equal(enc(atom('\\Seen')), '\\Seen');
    assert.equal(enc([]), '()');
    assert.equal(
      enc([atom('FLAGS'), [atom('\\Seen'), atom('$Forwarded')], 12, null]),
      '(FLAGS (\\Seen $Forwarded) 12 NIL)',
    );
    assert.equal(enc([[1, 2], []]), '((1 2)())');
    // Leading lists are written back to back (body-type-mpart, address lists); other items get a space.
    assert.equal(
      encodeValue([[atom('A')], [atom('B')], 'MIXED', [atom('C')]], { utf8: false }).toString(),
      '((A)(B) "MIXED" (C))',
    );
  });

  it('quotes short 7-bit strings, escaping " and \\', () => {
    assert.equal(enc('hello world'), '"hello world"');
    assert.equal(enc(''), '""');
    assert.equal(enc('NIL'), '"NIL"');
    assert.equal(enc('say "hi" \\o/'), '"say \\"hi\\" \\\\o/"');
    assert.equal(enc('tab\there'), '"tab\there"');
    assert.equal(encodeString('a"b', rev1).toString(), '"a\\"b"');
  });

  it('sends strings with CR, LF or NUL as literals', () => {
    assert.equal(enc('a\r\nb'), '{4}\r\na\r\nb');
    assert.equal(enc('a\nb'), '{3}\r\na\nb');
    assert.equal(enc('a\0b'), '{3}\r\na\0b');
  });

  it('quotes 8-bit text only for UTF-8 clients (RFC 9051 §9 QUOTED-CHAR, RFC 3501 §4.3)', () => {
    assert.equal(encodeValue('Grüße', rev2).toString('utf8'), '"Grüße"');
    assert.equal(encodeValue('Grüße', rev1).toString('utf8'), '{7}\r\nGrüße');
  });

  it('sends long strings as literals', () => {
    const long = 'x'.repeat(MAX_QUOTED + 1);
    assert.equal(enc(long), `{${long.length}}\r\n${long}`);
    assert.equal(enc('x'.repeat(MAX_QUOTED)), `"${'x'.repeat(MAX_QUOTED)}"`);
  });

  it('sends Buffers (message data) always as literals, as clients like curl expect', () => {
    assert.equal(enc(Buffer.from('Subject: x\r\n\r\n')), '{14}\r\nSubject: x\r\n\r\n');
    assert.equal(enc(Buffer.from('short')), '{5}\r\nshort');
    assert.equal(enc(Buffer.alloc(0)), '{0}\r\n');
    assert.equal(enc(Buffer.from('y'.repeat(200))), `{200}\r\n${'y'.repeat(200)}`);
    assert.equal(encodeValue(Buffer.from([0xc3, 0xa9]), rev1).toString('latin1'), '{2}\r\n\xc3\xa9');
    assert.equal(encodeValue(Buffer.from([0xc3, 0xa9]), rev2).toString('latin1'), '{2}\r\n\xc3\xa9');
    assert.equal(encodeValue(Buffer.from([0xe9]), rev2).toString('latin1'), '{1}\r\n\xe9');
  });

  it('refuses values no server may send', () => {
    assert.throws(() => encodeValue(-1, rev1), TypeError);
    assert.throws(() => encodeValue(1.5, rev1), TypeError);
    assert.throws(() => encodeValue(-1n, rev1), TypeError);
    assert.throws(() => encodeValue(atom(''), rev1), TypeError);
    assert.throws(() => encodeValue(atom('a\r\n* BYE'), rev1), TypeError);
  });

  it('writes literal8 on request only', () => {
    assert.equal(encodeLiteral8(Buffer.from('a\0b')).toString('latin1'), '~{3}\r\na\0b');
    // A Buffer holding NUL is still a plain literal; only a literal8 value is sent as one.
    assert.equal(encodeValue(Buffer.from('a\0b'), rev1).toString('latin1'), '{3}\r\na\0b');
    assert.equal(
      encodeValue([atom('BINARY[1]'), { literal8: Buffer.from('a\0b') }], rev1).toString('latin1'),
      '(BINARY[1] ~{3}\r\na\0b)',
    );
  });
});

describe('astring', () => {
  it('is an atom when it can be, a string otherwise', () => {
    assert.deepEqual(astring('INBOX'), atom('INBOX'));
    assert.deepEqual(astring('Sent]'), 'Sent]');
    assert.deepEqual(astring('Sent Items'), 'Sent Items');
    assert.deepEqual(astring(''), '');
    assert.deepEqual(astring('nil'), 'nil');
    assert.deepEqual(astring('a%b'), 'a%b');
    assert.deepEqual(astring('Entwürfe'), 'Entwürfe');
    assert.deepEqual(astring('Entw&APw-rfe'), atom('Entw&APw-rfe'));
  });
});

describe('responses', () => {
  it('writes tagged responses with codes (RFC 9051 §7.1)', () => {
    assert.equal(
      encodeTagged('A1', { kind: 'OK', text: 'LOGIN completed' }, rev1).toString(),
      'A1 OK LOGIN completed\r\n',
    );
    assert.equal(
      encodeTagged(
        'A2',
        { kind: 'OK', code: { name: 'READ-WRITE' }, text: 'SELECT completed' },
        rev1,
      ).toString(),
      'A2 OK [READ-WRITE] SELECT completed\r\n',
    );
    assert.equal(
      encodeTagged(
        'A3',
        { kind: 'OK', code: { name: 'APPENDUID', args: [38505, atom('3955')] }, text: 'APPEND completed' },
        rev1,
      ).toString(),
      'A3 OK [APPENDUID 38505 3955] APPEND completed\r\n',
    );
    assert.equal(
      encodeTagged(
        'A4',
        { kind: 'NO', code: { name: 'BADCHARSET', args: [[atom('UTF-8')]] }, text: '' },
        rev1,
      ).toString(),
      'A4 NO [BADCHARSET (UTF-8)]\r\n',
    );
    assert.equal(encodeTagged('A5', { kind: 'BAD', text: '' }, rev1).toString(), 'A5 BAD Failed\r\n');
  });

  it('keeps response text on one line, and 7-bit for IMAP4rev1 clients', () => {
    assert.equal(
      encodeTagged('A1', { kind: 'NO', text: 'bad\r\n* OK forged' }, rev1).toString(),
      'A1 NO bad  * OK forged\r\n',
    );
    assert.equal(encodeTagged('A1', { kind: 'NO', text: 'Grüße' }, rev1).toString(), 'A1 NO Gr??e\r\n');
    assert.equal(encodeTagged('A1', { kind: 'NO', text: 'Grüße' }, rev2).toString(), 'A1 NO Grüße\r\n');
  });

  it('writes untagged status and data responses', () => {
    assert.equal(
      encodeUntaggedStatus(
        { kind: 'OK', code: { name: 'UIDVALIDITY', args: [3857529045] }, text: 'UIDs valid' },
        rev1,
      ).toString(),
      '* OK [UIDVALIDITY 3857529045] UIDs valid\r\n',
    );
    assert.equal(
      encodeUntaggedStatus({ kind: 'BYE', text: 'Logging out' }, rev1).toString(),
      '* BYE Logging out\r\n',
    );
    assert.equal(encodeUntagged([172, atom('EXISTS')], rev1).toString(), '* 172 EXISTS\r\n');
    assert.equal(
      encodeUntagged([atom('LIST'), [atom('\\HasNoChildren')], '/', astring('INBOX')], rev1).toString(),
      '* LIST (\\HasNoChildren) "/" INBOX\r\n',
    );
    assert.equal(
      encodeUntagged([12, atom('FETCH'), [atom('BODY[]'), Buffer.from('a\r\n')]], rev1).toString(),
      '* 12 FETCH (BODY[] {3}\r\na\r\n)\r\n',
    );
  });

  it('writes continuation requests (RFC 9051 §7.6)', () => {
    assert.equal(encodeContinuation().toString(), '+ Ready\r\n');
    assert.equal(encodeContinuation('idling').toString(), '+ idling\r\n');
    assert.equal(encodeContinuation(Buffer.alloc(0)).toString(), '+ \r\n');
    assert.equal(encodeContinuation(Buffer.from('challenge')).toString(), '+ Y2hhbGxlbmdl\r\n');
  });
});

describe('encode / parse round trip', () => {
  it('any string encoded for an astring position parses back (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.boolean(), (s, utf8) => {
        const value = astring(s);
        const bytes = encodeValue(value, { utf8 });
        const r = parse(`A1 LOGIN ${bytes.toString('latin1')} x`);
        assert.ok(r.ok, `${JSON.stringify(s)}: ${r.ok ? '' : r.text}`);
        assert.equal(r.command.name === 'LOGIN' && r.command.userid, s.toWellFormed());
      }),
      { numRuns: 300 },
    );
  });

  it('any octets encoded as a Buffer parse back as a string (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 150 }), fc.boolean(), (bytes, utf8) => {
        const data = Buffer.from(bytes.map((b) => b || 1));
        const wire = encodeValue(data, { utf8 }).toString('latin1');
        const r = parse(`A1 SEARCH TEXT ${wire}\r\n`);
        assert.ok(r.ok && r.command.name === 'SEARCH' && r.command.key.type === 'text');
        assert.deepEqual(r.command.key.value, data);
      }),
      { numRuns: 300 },
    );
  });

  it('a string in a value is encoded as encodeString encodes it alone (text path = octets path)', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({
        unit: fc.constantFrom('a', '"', '\\', '\r', '\n', '\x00', 'é', '\ud800', '😀'),
        maxLength: 30,
      }),
      fc.constantFrom('x'.repeat(1024), 'x'.repeat(1025), 'é'.repeat(512), 'é'.repeat(513), ''),
    );
    fc.assert(
      fc.property(text, fc.boolean(), (s, utf8) => {
        const opts = { utf8 };
        assert.deepEqual(encodeValue(s, opts), encodeString(s, opts));
        assert.deepEqual(
          encodeValue([s, atom('X'), s], opts),
          Buffer.concat([
            Buffer.from('('),
            encodeString(s, opts),
            Buffer.from(' X '),
            encodeString(s, opts),
            Buffer.from(')'),
          ]),
        );
      }),
      { numRuns: 500 },
    );
  });
});
