/**
 * POP3 response encoders: status lines with response codes (RFC 2449 §8, RFC 3206), multi-line
 * byte-stuffing (RFC 1939 §3), SASL challenges (RFC 5034 §4), and the 512-octet line limit.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  encodeChallenge,
  encodeErr,
  encodeMultiline,
  encodeOk,
  MAX_RESPONSE_LINE,
} from '../../../src/proto/pop3/response.ts';

const text = (b: Buffer): string => b.toString('utf8');

describe('status lines', () => {
  test('+OK with and without text', () => {
    assert.equal(text(encodeOk()), '+OK\r\n');
    assert.equal(text(encodeOk('2 320')), '+OK 2 320\r\n');
  });

  test('-ERR with a response code in brackets after the status (RFC 2449 §8)', () => {
    assert.equal(text(encodeErr('no such message')), '-ERR no such message\r\n');
    assert.equal(text(encodeErr('Maildrop in use', 'IN-USE')), '-ERR [IN-USE] Maildrop in use\r\n');
    assert.equal(text(encodeErr('Try later', 'SYS/TEMP')), '-ERR [SYS/TEMP] Try later\r\n');
    assert.equal(text(encodeErr('Bad', 'AUTH')), '-ERR [AUTH] Bad\r\n');
    assert.equal(text(encodeErr('Wait', 'LOGIN-DELAY')), '-ERR [LOGIN-DELAY] Wait\r\n');
    assert.equal(text(encodeErr('Gone', 'SYS/PERM')), '-ERR [SYS/PERM] Gone\r\n');
  });

  test('text can never end the line or inject another', () => {
    assert.equal(text(encodeErr('a\r\n+OK injected')), '-ERR a  +OK injected\r\n');
    assert.equal(text(encodeOk('x\0y')), '+OK x y\r\n');
  });

  test('lines are cut to 512 octets, CRLF included, on a character boundary (RFC 2449 §4)', () => {
    const long = encodeErr('é'.repeat(600), 'SYS/TEMP');
    assert.ok(long.length <= MAX_RESPONSE_LINE, `${long.length}`);
    assert.ok(long.length >= MAX_RESPONSE_LINE - 1);
    assert.ok(text(long).endsWith('é\r\n'), 'no broken UTF-8 sequence');
    fc.assert(
      fc.property(fc.string({ maxLength: 1000, unit: 'binary' }), (s) => {
        const line = encodeOk(s);
        assert.ok(line.length <= MAX_RESPONSE_LINE);
        assert.equal(line.indexOf('\r\n'), line.length - 2);
        assert.equal(line.indexOf('\n'), line.length - 1);
      }),
    );
  });
});

describe('multi-line responses (RFC 1939 §3)', () => {
  test('lines, byte-stuffing of leading dots, and the terminator', () => {
    assert.equal(
      text(encodeMultiline('2 messages (320 octets)', ['1 120', '2 200'])),
      '+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n',
    );
    assert.equal(text(encodeMultiline('x', ['.', '..a', 'b.'])), '+OK x\r\n..\r\n...a\r\nb.\r\n.\r\n');
    assert.equal(text(encodeMultiline('empty', [])), '+OK empty\r\n.\r\n');
  });
});

describe('SASL challenges (RFC 5034 §4)', () => {
  test('"+", one space, base64; nothing after the space when empty', () => {
    assert.equal(
      encodeChallenge(Buffer.from('r=abc,s=xyz,i=4096')).toString(),
      '+ cj1hYmMscz14eXosaT00MDk2\r\n',
    );
    assert.equal(encodeChallenge(Buffer.alloc(0)).toString(), '+ \r\n');
  });
});
