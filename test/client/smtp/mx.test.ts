/**
 * MX selection (RFC 5321 §5.1, RFC 7505): ordering, random order among equal preferences, the
 * implicit MX, null MX, unusable exchanges, loops to this host; then the whole lookup against the
 * test DNS server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exchangesFor, findRoute, mergeAddresses, orderMx } from '../../../src/client/smtp/mx.ts';
import { NodeResolver } from '../../../src/dns/node-resolver.ts';
import type { DnsAnswer, MxRecord } from '../../../src/dns/resolver.ts';
import { startDnsServer, type TestDnsServer } from '../../helpers/dns-server.ts';

const found = <T>(...records: T[]): DnsAnswer<T> => ({ kind: 'found', records });
const mx = (preference: number, exchange: string): MxRecord => ({ preference, exchange });
/** A random source returning the given values in turn. */
const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('orderMx', () => {
  it('sorts by increasing preference', () => {
    const out = orderMx([mx(30, 'c'), mx(10, 'a'), mx(20, 'b')]);
    assert.deepEqual(
      out.map((r) => r.exchange),
      ['a', 'b', 'c'],
    );
  });

  it('shuffles equal preferences with the injected random source, never across preferences', () => {
    const records = [mx(10, 'a'), mx(10, 'b'), mx(10, 'c'), mx(5, 'first'), mx(20, 'last')];
    const seen = new Set<string>();
    for (let k = 0; k < 30; k++) {
      const out = orderMx(records, sequence(k / 30, ((k * 7) % 30) / 30)).map((r) => r.exchange);
      assert.equal(out[0], 'first');
      assert.equal(out[4], 'last');
      assert.deepEqual([...out.slice(1, 4)].sort(), ['a', 'b', 'c']);
      seen.add(out.slice(1, 4).join(','));
    }
    assert.ok(seen.size > 1, 'different random values give different orders');
    // The same random values give the same order.
    assert.deepEqual(orderMx(records, sequence(0.5)), orderMx(records, sequence(0.5)));
  });
});

describe('exchangesFor', () => {
  it('uses the implicit MX when there is no MX record (NODATA)', () => {
    assert.deepEqual(exchangesFor('b.test', { kind: 'nodata' }), {
      kind: 'exchanges',
      exchanges: [{ name: 'b.test', preference: 0 }],
      implicit: true,
      skipped: [],
    });
  });

  it('fails permanently for NXDOMAIN and temporarily for a DNS failure', () => {
    const nx = exchangesFor('b.test', { kind: 'nxdomain' });
    assert.ok(nx.kind === 'failed' && nx.permanent && nx.enhanced === '5.1.2');
    const temp = exchangesFor('b.test', { kind: 'temporary', reason: 'servfail', detail: 'ESERVFAIL' });
    assert.ok(temp.kind === 'failed' && !temp.permanent && temp.enhanced === '4.4.3');
  });

  it('treats a null MX as a permanent failure (RFC 7505)', () => {
    const r = exchangesFor('b.test', found(mx(0, '')));
    assert.ok(r.kind === 'failed');
    assert.equal(r.permanent, true);
    assert.equal(r.enhanced, '5.1.10');
    assert.match(r.text, /accepts no mail/);
  });

  it('skips a "." mixed with other MX records, and exchanges that are addresses', () => {
    const r = exchangesFor(
      'b.test',
      found(mx(0, ''), mx(10, '192.0.2.1'), mx(15, '[192.0.2.2]'), mx(20, 'mx.b.test')),
    );
    assert.ok(r.kind === 'exchanges');
    assert.deepEqual(r.exchanges, [{ name: 'mx.b.test', preference: 20 }]);
    assert.equal(r.skipped.length, 3);
    const none = exchangesFor('b.test', found(mx(10, '192.0.2.1')));
    assert.ok(none.kind === 'failed' && none.permanent && none.enhanced === '5.4.4');
  });

  it('drops this host and every exchange not better than it (RFC 5321 §5.1)', () => {
    const records = found(
      mx(10, 'mx1.b.test'),
      mx(20, 'me.b.test'),
      mx(20, 'peer.b.test'),
      mx(30, 'mx3.b.test'),
    );
    const r = exchangesFor('b.test', records, { localNames: ['me.b.test'] });
    assert.ok(r.kind === 'exchanges');
    assert.deepEqual(
      r.exchanges.map((e) => e.name),
      ['mx1.b.test'],
    );
    const loop = exchangesFor('b.test', found(mx(10, 'me.b.test'), mx(20, 'x.b.test')), {
      localNames: ['me.b.test'],
    });
    assert.ok(loop.kind === 'failed' && loop.permanent && loop.enhanced === '5.4.6');
  });
});

describe('mergeAddresses', () => {
  it('puts the preferred family first and reports temporary failures', () => {
    const a = found('192.0.2.1');
    const aaaa = found('2001:db8::1');
    assert.deepEqual(mergeAddresses(a, aaaa).addresses, ['192.0.2.1', '2001:db8::1']);
    assert.deepEqual(mergeAddresses(a, aaaa, 'ipv6').addresses, ['2001:db8::1', '192.0.2.1']);
    const partial = mergeAddresses({ kind: 'temporary', reason: 'timeout', detail: 'ETIMEOUT' }, aaaa);
    assert.deepEqual(partial.addresses, ['2001:db8::1']);
    assert.equal(partial.temporary, true);
    assert.equal(mergeAddresses({ kind: 'nodata' }, { kind: 'nxdomain' }).temporary, false);
  });
});

describe('findRoute against the test DNS server', () => {
  let dns: TestDnsServer;
  let resolver: NodeResolver;
  before(async () => {
    dns = await startDnsServer({
      'b.test': {
        MX: [
          [20, 'mx2.b.test'],
          [10, 'mx1.b.test'],
        ],
      },
      'mx1.b.test': { A: ['192.0.2.1'], AAAA: ['2001:db8::1'] },
      'mx2.b.test': { A: ['192.0.2.2'] },
      'implicit.test': { A: ['192.0.2.3'] },
      'nomail.test': { MX: [[0, '.']], A: ['192.0.2.4'] },
      'alias.test': { MX: [[10, 'cname.alias.test']] },
      'cname.alias.test': { CNAME: 'real.alias.test' },
      'real.alias.test': { A: ['192.0.2.5'] },
      'dead.test': { MX: [[10, 'gone.dead.test']] },
      'flaky.test': {
        MX: [
          [10, 'slow.flaky.test'],
          [20, 'ok.flaky.test'],
        ],
      },
      'slow.flaky.test': { A: 'SERVFAIL', AAAA: 'SERVFAIL' },
      'ok.flaky.test': { A: ['192.0.2.6'] },
      'lost.test': { MX: [[10, 'slow.lost.test']] },
      'slow.lost.test': { A: 'SERVFAIL', AAAA: 'SERVFAIL' },
      'broken.test': { MX: 'SERVFAIL' },
    });
    resolver = new NodeResolver({ servers: [dns.address], timeoutMs: 200, tries: 1 });
  });
  after(() => dns.close());

  it('lists the MX hosts in preference order with their addresses', async () => {
    const route = await findRoute('b.test', resolver);
    assert.deepEqual(route, {
      kind: 'hosts',
      implicit: false,
      skipped: [],
      hosts: [
        { name: 'mx1.b.test', preference: 10, addresses: ['192.0.2.1', '2001:db8::1'] },
        { name: 'mx2.b.test', preference: 20, addresses: ['192.0.2.2'] },
      ],
    });
  });

  it('falls back to the domain address without MX, and does not for a null MX', async () => {
    const route = await findRoute('implicit.test', resolver);
    assert.ok(route.kind === 'hosts' && route.implicit);
    assert.deepEqual(route.hosts, [{ name: 'implicit.test', preference: 0, addresses: ['192.0.2.3'] }]);
    const none = await findRoute('nomail.test', resolver);
    assert.ok(none.kind === 'failed' && none.permanent && none.enhanced === '5.1.10');
    assert.ok(!dns.queries.includes('A nomail.test'), 'a null MX domain is not looked up further');
  });

  it('follows an exchange that is a CNAME', async () => {
    const route = await findRoute('alias.test', resolver);
    assert.ok(route.kind === 'hosts');
    assert.deepEqual(route.hosts[0]!.addresses, ['192.0.2.5']);
  });

  it('fails permanently for an unknown domain or MX hosts without addresses', async () => {
    const nx = await findRoute('unknown.b.test', resolver);
    assert.ok(nx.kind === 'failed' && nx.permanent && nx.enhanced === '5.1.2');
    const dead = await findRoute('dead.test', resolver);
    assert.ok(dead.kind === 'failed' && dead.permanent && dead.enhanced === '5.4.4');
  });

  it('uses what answered when one host failed temporarily, and retries when none answered', async () => {
    const flaky = await findRoute('flaky.test', resolver);
    assert.ok(flaky.kind === 'hosts');
    assert.deepEqual(
      flaky.hosts.map((h) => h.name),
      ['ok.flaky.test'],
    );
    const lost = await findRoute('lost.test', resolver);
    assert.ok(lost.kind === 'failed' && !lost.permanent && lost.enhanced === '4.4.3');
    const broken = await findRoute('broken.test', resolver);
    assert.ok(broken.kind === 'failed' && !broken.permanent);
  });

  it('delivers to an address literal without DNS', async () => {
    const before = dns.queries.length;
    const route = await findRoute('[192.0.2.9]', resolver);
    assert.deepEqual(route, {
      kind: 'hosts',
      implicit: true,
      skipped: [],
      hosts: [{ name: '[192.0.2.9]', preference: 0, addresses: ['192.0.2.9'] }],
    });
    const v6 = await findRoute('[IPv6:2001:db8::9]', resolver);
    assert.ok(v6.kind === 'hosts' && v6.hosts[0]!.addresses[0] === '2001:db8::9');
    assert.equal(dns.queries.length, before);
  });
});
