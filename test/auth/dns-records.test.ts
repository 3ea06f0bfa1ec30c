/**
 * `zoneRecords`: the records a domain needs, in zone-file form, byte for byte.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { txtStrings, zoneRecords } from '../../src/auth/dns-records.ts';

test('MX, SPF, DKIM per active key, DMARC and the RFC 6186 SRV records', () => {
  const longKey = 'A'.repeat(300);
  const text = zoneRecords({
    domain: 'a.test',
    hostname: 'mx.loft.test',
    keys: [
      { selector: 'loft-ed-202612', algorithm: 'ed25519-sha256', publicKey: 'ED=' },
      { selector: 'loft-rsa-202612', algorithm: 'rsa-sha256', publicKey: longKey },
      {
        selector: 'loft-rsa-202611',
        algorithm: 'rsa-sha256',
        publicKey: 'OLD',
        retiredAt: Date.UTC(2026, 11, 1),
      },
    ],
    ports: { submission: 587, submissions: 465, imap: 143, imaps: 993 },
  });
  const rsaText = `v=DKIM1; k=rsa; p=${longKey}`;
  assert.equal(
    text,
    [
      '; DNS records for a.test, served by mx.loft.test (zone-file form, RFC 1035 §5)',
      '; Mail exchanger (RFC 5321 §5.1)',
      'a.test.\t3600\tIN\tMX\t10 mx.loft.test.',
      '; SPF (RFC 7208): the MX hosts may send for the domain, nobody else',
      'a.test.\t3600\tIN\tTXT\t"v=spf1 mx -all"',
      '; DKIM public keys (RFC 6376 §3.6.2, RFC 8463)',
      'loft-ed-202612._domainkey.a.test.\t3600\tIN\tTXT\t"v=DKIM1; k=ed25519; p=ED="',
      `loft-rsa-202612._domainkey.a.test.\t3600\tIN\tTXT\t( "${rsaText.slice(0, 255)}" "${rsaText.slice(255)}" )`,
      '; retired 2026-12-01: loft-rsa-202611 (keep its record a few days after rotation, then remove it)',
      '; DMARC (RFC 7489 §6.1): start with p=none; add rua=mailto:postmaster@a.test for aggregate reports, then move to p=quarantine or p=reject',
      '_dmarc.a.test.\t3600\tIN\tTXT\t"v=DMARC1; p=none"',
      '; Client configuration (RFC 6186 §3, RFC 8314 §5.1); target "." means not offered',
      '_submission._tcp.a.test.\t3600\tIN\tSRV\t0 1 587 mx.loft.test.',
      '_submissions._tcp.a.test.\t3600\tIN\tSRV\t0 1 465 mx.loft.test.',
      '_imap._tcp.a.test.\t3600\tIN\tSRV\t0 1 143 mx.loft.test.',
      '_imaps._tcp.a.test.\t3600\tIN\tSRV\t0 1 993 mx.loft.test.',
      '_pop3._tcp.a.test.\t3600\tIN\tSRV\t0 0 0 .',
      '_pop3s._tcp.a.test.\t3600\tIN\tSRV\t0 0 0 .',
      '',
    ].join('\n'),
  );
});

test('TXT character-strings: at most 255 octets each, quotes and backslashes escaped', () => {
  assert.equal(txtStrings('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(txtStrings('x'.repeat(255)), `"${'x'.repeat(255)}"`);
  assert.equal(txtStrings('x'.repeat(256)), `( "${'x'.repeat(255)}" "x" )`);
});
