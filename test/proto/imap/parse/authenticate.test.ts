import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSaslResponse } from '../../../../src/proto/imap/parse/index.ts';
import { bad, ok } from '../helpers.ts';

describe('AUTHENTICATE (RFC 9051 §6.2.2, RFC 4959)', () => {
  it('parses the mechanism, upper-cased', () => {
    assert.deepEqual(ok('A001 AUTHENTICATE GSSAPI'), {
      name: 'AUTHENTICATE',
      mechanism: 'GSSAPI',
      initialResponse: null,
    });
    assert.deepEqual(ok('a authenticate scram-sha-256'), {
      name: 'AUTHENTICATE',
      mechanism: 'SCRAM-SHA-256',
      initialResponse: null,
    });
  });

  it('decodes a SASL-IR initial response; "=" is empty (RFC 4959 §3)', () => {
    assert.deepEqual(ok('a AUTHENTICATE PLAIN AGZyZWQAc2VjcmV0'), {
      name: 'AUTHENTICATE',
      mechanism: 'PLAIN',
      initialResponse: Buffer.from('\0fred\0secret'),
    });
    assert.deepEqual(ok('a AUTHENTICATE EXTERNAL ='), {
      name: 'AUTHENTICATE',
      mechanism: 'EXTERNAL',
      initialResponse: Buffer.alloc(0),
    });
  });

  it('refuses bad mechanisms and non-canonical base64', () => {
    bad('a AUTHENTICATE');
    bad('a AUTHENTICATE "PLAIN"');
    bad('a AUTHENTICATE THIS-NAME-IS-WAY-TOO-LONG');
    assert.match(bad('a AUTHENTICATE PLAIN AGZyZWQAc2VjcmV'), /base64/);
    bad('a AUTHENTICATE PLAIN ==');
    bad('a AUTHENTICATE PLAIN abc$');
    bad('a AUTHENTICATE PLAIN AAAA AAAA');
  });
});

describe('parseSaslResponse', () => {
  it('decodes base64 lines, "*" cancels, anything else is invalid', () => {
    assert.deepEqual(parseSaslResponse(Buffer.from('dGVzdA==')), { kind: 'data', data: Buffer.from('test') });
    assert.deepEqual(parseSaslResponse(Buffer.from('')), { kind: 'data', data: Buffer.alloc(0) });
    assert.deepEqual(parseSaslResponse(Buffer.from('*')), { kind: 'cancel' });
    assert.deepEqual(parseSaslResponse(Buffer.from('dGVzdA')), { kind: 'invalid' });
    assert.deepEqual(parseSaslResponse(Buffer.from('dGVz dA==')), { kind: 'invalid' });
  });
});
