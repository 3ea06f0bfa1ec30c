import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isAddressLiteral,
  parseAddressLiteral,
  parseDomain,
  scanDomainOrLiteral,
} from '../../../src/proto/smtp/domain.ts';

describe('parseDomain (RFC 5321 §4.1.2 Domain)', () => {
  it('accepts LDH domains and lower-cases them', () => {
    assert.deepEqual(parseDomain('Mail.Example.COM'), { ok: true, value: 'mail.example.com' });
    assert.deepEqual(parseDomain('localhost'), { ok: true, value: 'localhost' });
    assert.deepEqual(parseDomain('a-b.c0'), { ok: true, value: 'a-b.c0' });
    assert.deepEqual(parseDomain('1.2.3.4'), { ok: true, value: '1.2.3.4' });
  });

  it('refuses malformed labels', () => {
    for (const d of ['', '.', 'a..b', 'a.', '.a', '-a.com', 'a-.com', 'a_b.com', 'a b', 'exa!mple.com']) {
      assert.equal(parseDomain(d).ok, false, d);
    }
  });

  it('enforces 63-octet labels and the 255-octet total (RFC 5321 §4.5.3.1.2)', () => {
    assert.equal(parseDomain(`${'a'.repeat(63)}.com`).ok, true);
    assert.equal(parseDomain(`${'a'.repeat(64)}.com`).ok, false);
    const label = 'a'.repeat(63);
    const d255 = [label, label, label, 'a'.repeat(63)].join('.'); // 255 octets
    assert.equal(d255.length, 255);
    assert.equal(parseDomain(d255).ok, true);
    assert.equal(parseDomain(`a${d255}`).ok, false);
  });

  it('refuses U-labels without SMTPUTF8 and converts them to A-labels with it (RFC 6531 §3.3)', () => {
    assert.equal(parseDomain('bücher.example').ok, false);
    assert.deepEqual(parseDomain('Bücher.Example', { smtputf8: true }), {
      ok: true,
      value: 'xn--bcher-kva.example',
    });
    assert.deepEqual(parseDomain('例え.テスト', { smtputf8: true }), {
      ok: true,
      value: 'xn--r8jz45g.xn--zckzah',
    });
    assert.equal(parseDomain('bücher..example', { smtputf8: true }).ok, false);
  });
});

describe('parseAddressLiteral (RFC 5321 §4.1.3)', () => {
  it('accepts IPv4 literals in canonical form', () => {
    assert.deepEqual(parseAddressLiteral('[192.0.2.1]'), { ok: true, value: '[192.0.2.1]' });
    assert.deepEqual(parseAddressLiteral('[010.0.2.001]'), { ok: true, value: '[10.0.2.1]' });
  });

  it('refuses bad IPv4 literals', () => {
    for (const l of ['[256.0.0.1]', '[1.2.3]', '[1.2.3.4.5]', '[1.2.3.0004]', '[]', '[1.2.3.4', '1.2.3.4']) {
      assert.equal(parseAddressLiteral(l).ok, false, l);
    }
  });

  it('accepts IPv6 literals with the tag case-insensitively, address lower-cased', () => {
    assert.deepEqual(parseAddressLiteral('[IPv6:2001:DB8::1]'), { ok: true, value: '[IPv6:2001:db8::1]' });
    assert.deepEqual(parseAddressLiteral('[ipv6:::ffff:192.0.2.1]'), {
      ok: true,
      value: '[IPv6:::ffff:192.0.2.1]',
    });
  });

  it('refuses bad IPv6 literals, zone ids and general literals', () => {
    for (const l of ['[IPv6:1::2::3]', '[IPv6:fe80::1%eth0]', '[IPv6:]', '[2001:db8::1]', '[x-tag:abc]']) {
      assert.equal(parseAddressLiteral(l).ok, false, l);
    }
  });
});

describe('scanDomainOrLiteral', () => {
  it('stops at the first character outside the domain', () => {
    assert.deepEqual(scanDomainOrLiteral('<a@Example.com> SIZE=1', 3), {
      ok: true,
      value: 'example.com',
      end: 14,
    });
    assert.deepEqual(scanDomainOrLiteral('x[1.2.3.4]>', 1), { ok: true, value: '[1.2.3.4]', end: 10 });
  });

  it('reports a missing domain', () => {
    assert.equal(scanDomainOrLiteral('a@>', 2).ok, false);
  });

  it('tells literals from names', () => {
    assert.equal(isAddressLiteral('[1.2.3.4]'), true);
    assert.equal(isAddressLiteral('example.com'), false);
  });
});
