/**
 * Authentication-Results (RFC 8601): the field Loft writes, byte for byte, and the removal of
 * fields claiming Loft's authserv-id (§5).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { authservIdOf, formatAuthResults, pvalue, removeForgedAuthResults } from '../../src/auth/results.ts';
import { authResultsOf } from '../../src/auth/verify.ts';

describe('formatAuthResults', () => {
  test('one resinfo per folded line, properties as ptype.property=pvalue (RFC 8601 §2.2)', () => {
    const field = formatAuthResults('mx.loft.test', [
      {
        method: 'dkim',
        result: 'pass',
        props: [
          ['header', 'd', 'a.test'],
          ['header', 's', 'loft-rsa-202611'],
          ['header', 'a', 'rsa-sha256'],
          ['header', 'b', 'Ab+/x=yz'],
        ],
      },
      { method: 'spf', result: 'fail', props: [['smtp', 'mailfrom', 'alice@a.test']] },
      { method: 'dmarc', result: 'fail', comment: 'p=reject', props: [['header', 'from', 'a.test']] },
    ]);
    assert.equal(
      field,
      'Authentication-Results: mx.loft.test;\r\n' +
        '\tdkim=pass header.d=a.test header.s=loft-rsa-202611 header.a=rsa-sha256 header.b="Ab+/x=yz";\r\n' +
        '\tspf=fail smtp.mailfrom=alice@a.test;\r\n' +
        '\tdmarc=fail (p=reject) header.from=a.test\r\n',
    );
  });

  test('no result at all is "; none"', () => {
    assert.equal(formatAuthResults('mx.loft.test', []), 'Authentication-Results: mx.loft.test; none\r\n');
  });

  test('values that are neither token nor address are quoted; comments escaped', () => {
    assert.equal(pvalue('a.test'), 'a.test');
    assert.equal(pvalue('user+tag@a.test'), 'user+tag@a.test');
    assert.equal(pvalue('@a.test'), '@a.test');
    assert.equal(pvalue('two words'), '"two words"');
    assert.equal(pvalue('"q"\\'), '"\\"q\\"\\\\"');
    assert.equal(pvalue('a/b'), '"a/b"');
    const field = formatAuthResults('mx.loft.test', [
      { method: 'spf', result: 'none', comment: 'odd (text) \\ here\r\nmore', props: [] },
    ]);
    assert.equal(
      field,
      'Authentication-Results: mx.loft.test;\r\n\tspf=none (odd \\(text\\) \\\\ here more)\r\n',
    );
  });

  test('verification results become resinfos: dkim=none without signatures, SPF per identity, DMARC with its policy', () => {
    const field = formatAuthResults(
      'mx.loft.test',
      authResultsOf({
        dkim: [],
        spf: [
          { identity: 'mailfrom', value: 'x@b.test', result: 'softfail' },
          { identity: 'helo', value: 'client.b.test', result: 'temperror' },
        ],
        dmarc: { result: 'none', from: 'b.test', policy: 'none' },
      }),
    );
    assert.equal(
      field,
      'Authentication-Results: mx.loft.test;\r\n' +
        '\tdkim=none;\r\n' +
        '\tspf=softfail smtp.mailfrom=x@b.test;\r\n' +
        '\tspf=temperror smtp.helo=client.b.test;\r\n' +
        '\tdmarc=none (p=none) header.from=b.test\r\n',
    );
  });
});

describe('authservIdOf', () => {
  test('token, quoted-string, after comments and folding, with a version', () => {
    assert.equal(authservIdOf(' mx.loft.test; spf=pass'), 'mx.loft.test');
    assert.equal(authservIdOf(' (forged) \r\n\t"MX.Loft.Test" 1; none'), 'MX.Loft.Test');
    assert.equal(authservIdOf(' (a (nested) comment)mx.loft.test;'), 'mx.loft.test');
    assert.equal(authservIdOf(' ; none'), undefined);
  });
});

describe('removeForgedAuthResults (RFC 8601 §5)', () => {
  const body = '\r\nbody line\r\nAuthentication-Results: mx.loft.test; in the body, kept\r\n';

  test('removes every field naming Loft (any case, folded, quoted), keeps the others and the body', () => {
    const message = Buffer.from(
      'Authentication-Results: MX.LOFT.TEST;\r\n\tdkim=pass header.d=bank.test\r\n' +
        'From: a@b.test\r\n' +
        'Authentication-Results: other.example; spf=pass smtp.mailfrom=b.test\r\n' +
        'authentication-results : (x) "mx.loft.test"; dmarc=pass\r\n' +
        `Subject: hi\r\n${body}`,
    );
    assert.equal(
      removeForgedAuthResults(message, 'mx.loft.test').toString(),
      'From: a@b.test\r\n' +
        'Authentication-Results: other.example; spf=pass smtp.mailfrom=b.test\r\n' +
        `Subject: hi\r\n${body}`,
    );
  });

  test('a message with nothing to remove is returned as it is', () => {
    const message = Buffer.from(
      `From: a@b.test\r\nAuthentication-Results: mx.loft.test.evil; none\r\n${body}`,
    );
    assert.equal(removeForgedAuthResults(message, 'mx.loft.test'), message);
  });

  test('a header section of only the forged field leaves the empty line and the body', () => {
    const message = Buffer.from('Authentication-Results: mx.loft.test; none\r\n\r\nbody\r\n');
    assert.equal(removeForgedAuthResults(message, 'mx.loft.test').toString(), '\r\nbody\r\n');
    const last = Buffer.from('From: a@b.test\r\nAuthentication-Results: mx.loft.test; none\r\n\r\nbody\r\n');
    assert.equal(removeForgedAuthResults(last, 'mx.loft.test').toString(), 'From: a@b.test\r\n\r\nbody\r\n');
  });
});
