/**
 * SPF, DKIM and DMARC of inbound mail (src/auth/verify.ts, inbound.ts) over Loft's resolver
 * asking the test DNS server: each result a sender's DNS can lead to, and the policy actions.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type DmarcActions, decideInbound } from '../../src/auth/inbound.ts';
import {
  dkimRecordName,
  dkimRecordText,
  type GeneratedDkimKey,
  generateDkimKey,
} from '../../src/auth/keys.ts';
import { signMessage } from '../../src/auth/sign.ts';
import { NodeResolver } from '../../src/dns/node-resolver.ts';
import { startDnsServer, type TestDnsServer, type TestZones } from '../helpers/dns-server.ts';

const HOST = 'mx.loft.test';
const ACTIONS: DmarcActions = { onReject: 'reject', onQuarantine: 'junk' };
let dns: TestDnsServer;
let resolver: NodeResolver;
let key: GeneratedDkimKey;

function zones(): TestZones {
  return {
    // SPF (RFC 7208 §4.6): loopback authorised, or not; softfail; no record; DNS failure
    'a.test': { TXT: ['v=spf1 ip4:127.0.0.0/8 -all'], A: ['127.0.0.1'] },
    '_dmarc.a.test': { TXT: ['v=DMARC1; p=reject'] },
    [dkimRecordName('sel', 'a.test')]: { TXT: [chunks(dkimRecordText('rsa-sha256', key.publicKey))] },
    'client.a.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'], A: ['127.0.0.1'] },
    'fail.test': { TXT: ['v=spf1 ip4:192.0.2.0/24 -all'], A: ['192.0.2.1'] },
    '_dmarc.fail.test': { TXT: ['v=DMARC1; p=reject'] },
    'quarantine.test': { TXT: ['v=spf1 -all'], A: ['192.0.2.1'] },
    '_dmarc.quarantine.test': { TXT: ['v=DMARC1; p=quarantine'] },
    'soft.test': { TXT: ['v=spf1 ~all'], A: ['192.0.2.1'] },
    'none.test': { A: ['192.0.2.1'] },
    'temp.test': { TXT: 'SERVFAIL', A: 'SERVFAIL' },
    '_dmarc.temp.test': 'SERVFAIL',
  };
}

function chunks(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += 255) out.push(text.slice(i, i + 255));
  return out;
}

function message(from: string, body = 'hello\r\n'): Buffer {
  return Buffer.from(
    `From: <${from}>\r\nTo: <bob@loft.test>\r\nSubject: test\r\nDate: Sat, 28 Nov 2026 00:00:00 +0000\r\n\r\n${body}`,
  );
}

async function decide(raw: Buffer, sender: string, helo = 'client.a.test', actions = ACTIONS) {
  return decideInbound(raw, { ip: '127.0.0.1', helo, sender }, { resolver, hostname: HOST, actions });
}

before(async () => {
  key = await generateDkimKey('rsa-sha256');
  dns = await startDnsServer(zones(), { zones: ['test', 'in-addr.arpa'] });
  resolver = new NodeResolver({ servers: [dns.address], timeoutMs: 500, tries: 1 });
});
after(() => dns.close());

describe('SPF (RFC 7208)', () => {
  const cases: [string, string][] = [
    ['alice@a.test', 'pass'],
    ['x@fail.test', 'fail'],
    ['x@soft.test', 'softfail'],
    ['x@none.test', 'none'],
    ['x@temp.test', 'temperror'],
  ];
  for (const [sender, expected] of cases) {
    test(`MAIL FROM ${sender}: ${expected}, and the HELO identity is checked too`, async () => {
      const { results } = await decide(message(sender), sender);
      assert.deepEqual(results.spf, [
        { identity: 'mailfrom', value: sender, result: expected },
        { identity: 'helo', value: 'client.a.test', result: 'pass' },
      ]);
    });
  }

  test('null reverse-path: only the HELO identity (RFC 7208 §2.4); an address literal is not checked', async () => {
    assert.deepEqual((await decide(message('a@a.test'), '', 'fail.test')).results.spf, [
      { identity: 'helo', value: 'fail.test', result: 'fail' },
    ]);
    assert.deepEqual((await decide(message('a@a.test'), 'x@soft.test', '[127.0.0.1]')).results.spf, [
      { identity: 'mailfrom', value: 'x@soft.test', result: 'softfail' },
    ]);
  });
});

describe('DKIM (RFC 6376) and DMARC (RFC 7489)', () => {
  test('a good signature passes and aligns; DMARC passes although SPF fails', async () => {
    const raw = message('alice@a.test');
    const signed = Buffer.concat([
      await signMessage(raw, 'a.test', [
        { selector: 'sel', algorithm: 'rsa-sha256', privateKey: key.privateKey },
      ]),
      raw,
    ]);
    const decision = await decide(signed, 'bounce@fail.test');
    assert.equal(decision.results.dkim.length, 1);
    assert.deepEqual(
      { ...decision.results.dkim[0], b: undefined },
      {
        result: 'pass',
        domain: 'a.test',
        selector: 'sel',
        algorithm: 'rsa-sha256',
        b: undefined,
        aligned: true,
      },
    );
    assert.equal(decision.results.dmarc?.result, 'pass');
    assert.equal(decision.action, 'accept');
    const b = decision.results.dkim[0]!.b!;
    assert.equal(
      decision.authResults,
      `Authentication-Results: ${HOST};\r\n` +
        `\tdkim=pass header.d=a.test header.s=sel header.a=rsa-sha256 header.b=${/^[A-Za-z0-9+]+$/.test(b) ? b : `"${b}"`};\r\n` +
        '\tspf=fail smtp.mailfrom=bounce@fail.test;\r\n' +
        '\tspf=pass smtp.helo=client.a.test;\r\n' +
        '\tdmarc=pass (p=reject) header.from=a.test\r\n',
    );
  });

  test('a tampered message fails DKIM; with SPF failing too, DMARC fails and p=reject refuses', async () => {
    const raw = message('alice@a.test');
    const signatures = await signMessage(raw, 'a.test', [
      { selector: 'sel', algorithm: 'rsa-sha256', privateKey: key.privateKey },
    ]);
    const decision = await decide(
      Buffer.concat([signatures, message('alice@a.test', 'changed\r\n')]),
      'x@fail.test',
    );
    assert.equal(decision.results.dkim[0]?.result, 'fail');
    assert.deepEqual(decision.results.dmarc, { result: 'fail', from: 'a.test', policy: 'reject' });
    assert.equal(decision.action, 'reject');
    assert.match(decision.reason!, /a\.test/);
  });

  test('DMARC pass through aligned SPF alone; dkim=none without a signature', async () => {
    const decision = await decide(message('alice@a.test'), 'alice@a.test');
    assert.equal(decision.results.dmarc?.result, 'pass');
    assert.match(decision.authResults, /^Authentication-Results: mx\.loft\.test;\r\n\tdkim=none;\r\n/);
  });

  test('p=quarantine goes to Junk; the actions follow the configuration', async () => {
    const q = await decide(message('x@quarantine.test'), 'x@quarantine.test');
    assert.deepEqual(q.results.dmarc, { result: 'fail', from: 'quarantine.test', policy: 'quarantine' });
    assert.equal(q.action, 'junk');
    const r = await decide(message('x@fail.test'), 'x@fail.test', 'client.a.test', {
      onReject: 'junk',
      onQuarantine: 'accept',
    });
    assert.equal(r.action, 'junk');
    const q2 = await decide(message('x@quarantine.test'), 'x@quarantine.test', 'client.a.test', {
      onReject: 'junk',
      onQuarantine: 'accept',
    });
    assert.equal(q2.action, 'accept');
  });

  test('no DMARC record: none, accepted; DNS failure: temperror, accepted (never a refusal)', async () => {
    const none = await decide(message('x@soft.test'), 'x@soft.test');
    assert.equal(none.results.dmarc?.result, 'none');
    assert.equal(none.action, 'accept');
    const temp = await decide(message('x@temp.test'), 'x@temp.test');
    assert.equal(temp.results.dmarc?.result, 'temperror');
    assert.equal(temp.action, 'accept');
    assert.match(temp.authResults, /spf=temperror smtp\.mailfrom=x@temp\.test/);
  });
});
