import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { clientFinalMessage, clientFirstMessage, saslname } from '../../../src/proto/sasl/scram-message.ts';
import { RFC7677 } from './helpers.ts';

describe('saslname (RFC 5802 §5.1)', () => {
  it('unescapes =2C and =3D', () => {
    assert.equal(saslname('a=2Cb=3Dc'), 'a,b=c');
    assert.equal(saslname('=3D=2C'), '=,');
    assert.equal(saslname('ünï'), 'ünï');
  });
  it('refuses any other "=", and the empty name', () => {
    for (const bad of ['', 'a=b', 'a=', 'a=2', 'a=2c', 'a=3d', 'a=41', '='])
      assert.equal(saslname(bad), undefined, bad);
  });
  it('inverts the escaping of any name', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (name) => {
        fc.pre(!name.includes('\0'));
        assert.equal(saslname(name.replaceAll('=', '=3D').replaceAll(',', '=2C')), name);
      }),
    );
  });
});

describe('clientFirstMessage (RFC 5802 §7)', () => {
  it('parses the RFC 7677 example', () => {
    const r = clientFirstMessage(RFC7677.clientFirst);
    assert.deepEqual(r, {
      ok: true,
      value: {
        gs2Header: 'n,,',
        cbindFlag: 'n',
        authzid: undefined,
        username: 'user',
        nonce: RFC7677.clientNonce,
        bare: 'n=user,r=rOprNGfwEbeRWgbNEkqO',
      },
    });
  });

  it('parses y, an authzid, escapes and extensions', () => {
    const r = clientFirstMessage('y,a=a=2Cb,n=a=2Cb,r=abc,x=ext=ok');
    assert.ok(r.ok);
    assert.equal(r.value.gs2Header, 'y,a=a=2Cb,');
    assert.equal(r.value.cbindFlag, 'y');
    assert.equal(r.value.authzid, 'a,b');
    assert.equal(r.value.username, 'a,b');
    assert.equal(r.value.bare, 'n=a=2Cb,r=abc,x=ext=ok');
  });

  it('refuses channel binding and the reserved m= extension with their own errors', () => {
    assert.deepEqual(clientFirstMessage('p=tls-unique,,n=user,r=abc'), {
      ok: false,
      error: 'channel-binding-unsupported',
    });
    assert.deepEqual(clientFirstMessage('n,,m=x,n=user,r=abc'), { ok: false, error: 'mandatory-extension' });
  });

  for (const bad of [
    '',
    'n',
    'n,',
    'n,,',
    'x,,n=user,r=abc',
    'nn,,n=user,r=abc',
    'n,a,n=user,r=abc',
    'n,a=,n=user,r=abc',
    'n,b=user,n=user,r=abc',
    'n,,n=,r=abc',
    'n,,n=us=er,r=abc',
    'n,,r=abc,n=user',
    'n,,n=user',
    'n,,n=user,r=',
    'n,,n=user,r=ab c',
    'n,,n=user,r=ab\u00e9',
    'n,,n=user,r=abc,',
    'n,,n=user,r=abc,1=x',
    'n,,n=user,r=abc,xy=z',
    'n,,n=user,r=abc,x=',
    'n,,n=us\0er,r=abc',
    ' n,,n=user,r=abc',
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      const r = clientFirstMessage(bad);
      assert.equal(r.ok, false);
    });
  }
});

describe('clientFinalMessage (RFC 5802 §7)', () => {
  it('parses the RFC 7677 example', () => {
    const r = clientFinalMessage(RFC7677.clientFinal);
    assert.ok(r.ok);
    assert.equal(r.value.channelBinding.toString(), 'n,,');
    assert.equal(r.value.nonce, RFC7677.clientNonce + RFC7677.serverNonce);
    assert.equal(r.value.proof.length, 32);
    assert.equal(r.value.withoutProof, `c=biws,r=${RFC7677.clientNonce}${RFC7677.serverNonce}`);
  });

  it('keeps extensions in the part without proof', () => {
    const r = clientFinalMessage('c=biws,r=abc,x=1,y=2,p=AAAA');
    assert.ok(r.ok);
    assert.equal(r.value.withoutProof, 'c=biws,r=abc,x=1,y=2');
  });

  for (const bad of [
    '',
    'c=biws',
    'c=biws,r=abc',
    'r=abc,c=biws,p=AAAA',
    'c=biws,p=AAAA,r=abc',
    'c=biws,r=abc,p=',
    'c=,r=abc,p=AAAA',
    'c=biws,r=,p=AAAA',
    'c=bi ws,r=abc,p=AAAA',
    'c=biws,r=abc,p=AAA',
    'c=biws,r=abc,p=AA==AA==',
    'c=biws,r=abc,p=AAAA,',
    'c=biws,r=abc,1=x,p=AAAA',
    'c=biws,r=abc,p=AAAA,x=1',
    'c=biws,r=a\u00e9,p=AAAA',
    'c=biws,r=abc,p=AA\0A',
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.deepEqual(clientFinalMessage(bad), { ok: false, error: 'syntax' });
    });
  }

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        clientFirstMessage(text);
        clientFinalMessage(text);
      }),
    );
  });
});
