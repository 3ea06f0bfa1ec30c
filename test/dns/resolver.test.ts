/**
 * The c-ares resolver against the test DNS server: found, NXDOMAIN and NODATA (permanent),
 * SERVFAIL, REFUSED and timeouts (temporary), CNAMEs, TXT over TCP after truncation, PTR.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { classify, NodeResolver } from '../../src/dns/node-resolver.ts';
import { describeAnswer, isDefinitelyAbsent } from '../../src/dns/resolver.ts';
import { reverseName, startDnsServer, type TestDnsServer } from '../helpers/dns-server.ts';

describe('NodeResolver against the test DNS server', () => {
  let dns: TestDnsServer;
  let resolver: NodeResolver;
  before(async () => {
    dns = await startDnsServer({
      'b.test': {
        MX: [
          [10, 'mx1.b.test'],
          [20, 'MX2.b.test.'],
        ],
        A: ['192.0.2.1'],
        TXT: ['v=spf1 -all'],
      },
      'mx1.b.test': { A: ['192.0.2.10', '192.0.2.11'], AAAA: ['2001:db8::10'] },
      'alias.b.test': { CNAME: 'mx1.b.test' },
      'mxalias.b.test': { CNAME: 'b.test' },
      'broken.b.test': 'SERVFAIL',
      'refused.b.test': 'REFUSED',
      'slow.b.test': 'TIMEOUT',
      'half.b.test': { A: ['192.0.2.20'], MX: 'SERVFAIL' },
      'long.b.test': { TXT: [['a'.repeat(200), 'b'.repeat(200)], 'c'.repeat(200)] },
      [reverseName('192.0.2.10')]: { PTR: ['mx1.b.test'] },
    });
    resolver = new NodeResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 });
  });
  after(() => dns.close());

  it('answers MX records, names lower-cased without the trailing dot', async () => {
    const answer = await resolver.mx('b.test');
    assert.equal(answer.kind, 'found');
    assert.deepEqual(
      answer.kind === 'found' ? [...answer.records].sort((x, y) => x.preference - y.preference) : [],
      [
        { preference: 10, exchange: 'mx1.b.test' },
        { preference: 20, exchange: 'mx2.b.test' },
      ],
    );
  });

  it('answers A, AAAA, TXT and PTR', async () => {
    assert.deepEqual(await resolver.a('mx1.b.test'), {
      kind: 'found',
      records: ['192.0.2.10', '192.0.2.11'],
    });
    assert.deepEqual(await resolver.aaaa('mx1.b.test'), { kind: 'found', records: ['2001:db8::10'] });
    assert.deepEqual(await resolver.txt('b.test'), { kind: 'found', records: [['v=spf1 -all']] });
    assert.deepEqual(await resolver.ptr('192.0.2.10'), { kind: 'found', records: ['mx1.b.test'] });
  });

  it('says NXDOMAIN for an unknown name and NODATA for a missing type, both permanent', async () => {
    const nx = await resolver.mx('nowhere.b.test');
    assert.deepEqual(nx, { kind: 'nxdomain' });
    const nodata = await resolver.mx('mx1.b.test');
    assert.deepEqual(nodata, { kind: 'nodata' });
    assert.ok(isDefinitelyAbsent(nx) && isDefinitelyAbsent(nodata));
    assert.match(describeAnswer('nowhere.b.test', 'MX', nx), /no such domain/);
  });

  it('says temporary for SERVFAIL, REFUSED and a server that never answers', async () => {
    const servfail = await resolver.mx('broken.b.test');
    assert.equal(servfail.kind, 'temporary');
    assert.equal(servfail.kind === 'temporary' && servfail.reason, 'servfail');
    const refused = await resolver.a('refused.b.test');
    assert.equal(refused.kind === 'temporary' && refused.reason, 'refused');
    const timeout = await resolver.txt('slow.b.test');
    assert.equal(timeout.kind === 'temporary' && timeout.reason, 'timeout');
    assert.equal(isDefinitelyAbsent(timeout), false);
    // One type may fail while another answers.
    assert.equal((await resolver.mx('half.b.test')).kind, 'temporary');
    assert.deepEqual(await resolver.a('half.b.test'), { kind: 'found', records: ['192.0.2.20'] });
  });

  it('follows CNAMEs for addresses and for MX', async () => {
    assert.deepEqual(await resolver.a('alias.b.test'), {
      kind: 'found',
      records: ['192.0.2.10', '192.0.2.11'],
    });
    const mx = await resolver.mx('mxalias.b.test');
    assert.equal(mx.kind === 'found' && mx.records.length, 2);
  });

  it('reads a TXT answer too long for UDP over TCP, chunks kept apart', async () => {
    const answer = await resolver.txt('long.b.test');
    assert.deepEqual(answer, {
      kind: 'found',
      records: [['a'.repeat(200), 'b'.repeat(200)], ['c'.repeat(200)]],
    });
    assert.ok(dns.queries.filter((q) => q === 'TXT long.b.test').length >= 2, 'asked over UDP, then TCP');
  });

  it('records nothing outside the zones so far', () => {
    assert.deepEqual(dns.strays, []);
  });
});

describe('the test DNS server guard', () => {
  it('refuses names outside the test zones and fails on close', async () => {
    const dns = await startDnsServer({ 'b.test': { A: ['192.0.2.1'] } });
    const resolver = new NodeResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 });
    const answer = await resolver.a('example.com');
    assert.equal(answer.kind === 'temporary' && answer.reason, 'refused');
    await assert.rejects(dns.close(), /outside the test zones.*A example\.com/);
  });
});

describe('classify', () => {
  it('maps c-ares codes to answers', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    assert.deepEqual(classify(err('ENOTFOUND'), 'A x'), { kind: 'nxdomain' });
    assert.deepEqual(classify(err('ENODATA'), 'A x'), { kind: 'nodata' });
    assert.equal(classify(err('ECONNREFUSED'), 'A x').kind, 'temporary');
    const other = classify(err('EBADRESP'), 'A x');
    assert.equal(other.kind === 'temporary' && other.reason, 'error');
    assert.equal(classify(new Error('boom'), 'A x').kind, 'temporary');
  });
});
