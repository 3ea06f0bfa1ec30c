/**
 * DKIM keys and signing (RFC 6376, RFC 8463): signatures Loft makes are checked by mailauth's own
 * verifier, asking the test DNS server (through a NodeResolver, not Loft's adapter) for the
 * published keys; a tampered message fails.
 */
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  dkimRecordName,
  dkimRecordText,
  freeSelector,
  type GeneratedDkimKey,
  generateDkimKey,
  selectorFor,
} from '../../src/auth/keys.ts';
import { SIGNED_FIELDS, signMessage } from '../../src/auth/sign.ts';
import { verifyDkim } from '../helpers/dkim-verify.ts';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.ts';

const MESSAGE =
  'From: Alice <alice@a.test>\r\n' +
  'To: bob@b.test\r\n' +
  'Subject: signed  by Loft\r\n' +
  'Date: Sat, 28 Nov 2026 00:00:00 +0000\r\n' +
  'Message-ID: <1@a.test>\r\n' +
  'X-Not-Signed: free to change\r\n' +
  '\r\n' +
  'Hello Bob,\r\n\r\nthis is signed.\r\n';

let dns: TestDnsServer;
let rsa: GeneratedDkimKey;
let ed: GeneratedDkimKey;

/** mailauth's verifier asking the test DNS server (strict: a body hash mismatch is `fail`, RFC 6376 §6.1.3). */
function verify(message: Buffer) {
  return verifyDkim(message, dns.address);
}

before(async () => {
  [rsa, ed] = await Promise.all([generateDkimKey('rsa-sha256'), generateDkimKey('ed25519-sha256')]);
  dns = await startDnsServer({
    [dkimRecordName('loft-rsa-202611', 'a.test')]: {
      TXT: [chunks(dkimRecordText('rsa-sha256', rsa.publicKey))],
    },
    [dkimRecordName('loft-ed-202611', 'a.test')]: { TXT: [dkimRecordText('ed25519-sha256', ed.publicKey)] },
  });
});
after(() => dns.close());

/** A long TXT record as character-strings of at most 255 octets. */
function chunks(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += 255) out.push(text.slice(i, i + 255));
  return out;
}

function keys() {
  return [
    { selector: 'loft-rsa-202611', algorithm: 'rsa-sha256' as const, privateKey: rsa.privateKey },
    { selector: 'loft-ed-202611', algorithm: 'ed25519-sha256' as const, privateKey: ed.privateKey },
  ];
}

describe('DKIM keys', () => {
  test('RSA is 2048 bits, published as SubjectPublicKeyInfo; Ed25519 as the raw 32-octet key (RFC 8463 §4)', () => {
    const rsaKey = createPublicKey({
      key: Buffer.from(rsa.publicKey, 'base64'),
      format: 'der',
      type: 'spki',
    });
    assert.equal(rsaKey.asymmetricKeyType, 'rsa');
    assert.equal(rsaKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(Buffer.from(ed.publicKey, 'base64').length, 32);
    assert.match(rsa.privateKey, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.equal(dkimRecordText('ed25519-sha256', 'AAAA'), 'v=DKIM1; k=ed25519; p=AAAA');
    assert.equal(dkimRecordText('rsa-sha256', 'BBBB'), 'v=DKIM1; k=rsa; p=BBBB');
  });

  test('selectors name the algorithm and the month; a taken one gets a number', () => {
    const date = new Date(Date.UTC(2026, 0, 31, 23, 59));
    assert.equal(selectorFor('rsa-sha256', date), 'loft-rsa-202601');
    assert.equal(selectorFor('ed25519-sha256', date), 'loft-ed-202601');
    assert.equal(freeSelector('loft-rsa-202601', new Set()), 'loft-rsa-202601');
    assert.equal(
      freeSelector('loft-rsa-202601', new Set(['loft-rsa-202601', 'loft-rsa-202601-2'])),
      'loft-rsa-202601-3',
    );
  });
});

describe('signMessage', () => {
  test('both signatures verify with mailauth over DNS: relaxed/relaxed, the recommended fields', async () => {
    const signatures = await signMessage(Buffer.from(MESSAGE), 'a.test', keys());
    const text = signatures.toString();
    assert.equal(text.match(/^DKIM-Signature:/gm)?.length, 2);
    assert.ok(text.endsWith('\r\n'));
    const signed = Buffer.concat([signatures, Buffer.from(MESSAGE)]);
    const result = await verify(signed);
    assert.deepEqual(
      result.results.map((r) => [r.status.result, r.signingDomain, r.selector, r.algo, r.format]),
      [
        ['pass', 'a.test', 'loft-rsa-202611', 'rsa-sha256', 'relaxed/relaxed'],
        ['pass', 'a.test', 'loft-ed-202611', 'ed25519-sha256', 'relaxed/relaxed'],
      ],
    );
    for (const signature of text.split(/\r\n(?=DKIM-Signature:)/)) {
      const h = /[;\s]h=([^;]*)/.exec(signature)![1]!.replace(/\s+/g, '').toLowerCase().split(':');
      assert.deepEqual([...h].sort(), ['date', 'from', 'message-id', 'subject', 'to']);
      for (const field of h) assert.ok(SIGNED_FIELDS.map((f) => f.toLowerCase()).includes(field));
      assert.match(signature, /[;\s]c=relaxed\/relaxed;/);
    }
  });

  test('relaxed canonicalization survives re-folding and white space changes; unsigned fields may change', async () => {
    const signatures = await signMessage(Buffer.from(MESSAGE), 'a.test', keys());
    const changed = MESSAGE.replace('Subject: signed  by Loft', 'Subject:   signed\r\n by Loft')
      .replace('free to change', 'changed')
      .replace('this is signed.\r\n', 'this is signed.   \r\n\r\n\r\n');
    const result = await verify(Buffer.concat([signatures, Buffer.from(changed)]));
    assert.deepEqual(
      result.results.map((r) => r.status.result),
      ['pass', 'pass'],
    );
  });

  test('a tampered body or signed field fails both signatures', async () => {
    const signatures = await signMessage(Buffer.from(MESSAGE), 'a.test', keys());
    for (const tampered of [
      MESSAGE.replace('this is signed', 'this is forged'),
      MESSAGE.replace('To: bob', 'To: eve'),
    ]) {
      const result = await verify(Buffer.concat([signatures, Buffer.from(tampered)]));
      assert.deepEqual(
        result.results.map((r) => r.status.result),
        ['fail', 'fail'],
      );
    }
  });

  test('no keys, or no From field: no signature', async () => {
    assert.equal((await signMessage(Buffer.from(MESSAGE), 'a.test', [])).length, 0);
    assert.equal((await signMessage(Buffer.from('Subject: x\r\n\r\nbody\r\n'), 'a.test', keys())).length, 0);
  });
});
