/**
 * The adapter from Loft's resolver to mailauth's resolver function: records as dns.resolve
 * gives them, and each kind of absence or failure as the c-ares code mailauth tells apart.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mailauthResolver, ptrAddress } from '../../src/auth/resolver.ts';
import { NodeResolver } from '../../src/dns/node-resolver.ts';
import { reverseName, startDnsServer, type TestDnsServer } from '../helpers/dns-server.ts';
import { noDnsResolver } from '../helpers/server.ts';

let dns: TestDnsServer;
let resolve: ReturnType<typeof mailauthResolver>;

before(async () => {
  dns = await startDnsServer(
    {
      'a.test': { TXT: [['v=spf1 ', 'mx -all'], 'other'], A: ['192.0.2.1'], MX: [[10, 'mx.a.test']] },
      'mx.a.test': { A: ['192.0.2.2'] },
      [reverseName('192.0.2.1')]: { PTR: ['host.a.test'] },
      'fail.test': { TXT: 'SERVFAIL' },
      'refused.test': { TXT: 'REFUSED' },
    },
    { zones: ['test', 'in-addr.arpa'] },
  );
  resolve = mailauthResolver(new NodeResolver({ servers: [dns.address], timeoutMs: 500, tries: 1 }));
});
after(() => dns.close());

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

test('records: TXT as character-strings, A, MX as {exchange, priority}, PTR by reverse name', async () => {
  assert.deepEqual(await resolve('a.test', 'TXT'), [['v=spf1 ', 'mx -all'], ['other']]);
  assert.deepEqual(await resolve('a.test', 'A'), ['192.0.2.1']);
  assert.deepEqual(await resolve('a.test', 'MX'), [{ exchange: 'mx.a.test', priority: 10 }]);
  assert.deepEqual(await resolve('1.2.0.192.in-addr.arpa', 'PTR'), ['host.a.test']);
});

test('absence and failures become the codes mailauth tells apart', async () => {
  assert.equal(await code(resolve('missing.a.test', 'TXT')), 'ENOTFOUND');
  assert.equal(await code(resolve('mx.a.test', 'TXT')), 'ENODATA');
  assert.equal(await code(resolve('fail.test', 'TXT')), 'ESERVFAIL');
  assert.equal(await code(resolve('refused.test', 'TXT')), 'EREFUSED');
  assert.equal(await code(resolve('a.test', 'CNAME')), 'ENODATA');
  // A resolver that throws (here the guard of tests without DNS) is a temporary failure, not a crash.
  assert.equal(await code(mailauthResolver(noDnsResolver)('a.test', 'TXT')), 'ESERVFAIL');
});

test('reverse names back to addresses (RFC 1035 §3.5, RFC 3596 §2.5)', () => {
  assert.equal(ptrAddress('4.3.2.1.in-addr.arpa'), '1.2.3.4');
  assert.equal(
    ptrAddress('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.'),
    '2001:0db8:0000:0000:0000:0000:0000:0001',
  );
});
