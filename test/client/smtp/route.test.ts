/**
 * The foundations together: a Loft server configured with the test DNS server (dns.servers)
 * exposes that resolver; MX selection through it finds the receiving host, and the SMTP client
 * delivers there, falling to the next MX when the first does not answer.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { deliverMessage } from '../../../src/client/smtp/client.ts';
import { findRoute } from '../../../src/client/smtp/mx.ts';
import { messageFromBuffer, type RecipientOutcome } from '../../../src/client/smtp/types.ts';
import { startDnsServer, type TestDnsServer } from '../../helpers/dns-server.ts';
import {
  mailboxContents,
  noDnsResolver,
  provision,
  startTestServer,
  type TestServer,
} from '../../helpers/server.ts';

const FAST = {
  connect: 500,
  initial: 500,
  command: 2000,
  mail: 2000,
  rcpt: 2000,
  dataInit: 2000,
  dataBlock: 2000,
  dataEnd: 2000,
};

describe('MX lookup, then delivery', () => {
  let dns: TestDnsServer;
  let sender: TestServer;
  let receiver: TestServer;
  let deadPort: number;
  before(async () => {
    // A port nobody listens on: the better MX that is down.
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    deadPort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    dns = await startDnsServer({
      'b.test': {
        MX: [
          [10, 'down.b.test'],
          [20, 'mx.b.test'],
        ],
      },
      'down.b.test': { A: ['127.0.0.1'] },
      'mx.b.test': { A: ['127.0.0.1'] },
      'gone.test': { MX: [[0, '.']] },
    });
    sender = await startTestServer({
      hostname: 'mx.a.test',
      dns: { servers: [dns.address], timeout: 0.5, tries: 1 },
    });
    receiver = await startTestServer({ hostname: 'mx.b.test' });
    await provision(receiver, ['b.test'], ['bob@b.test']);
  });
  after(async () => {
    await sender.close();
    await receiver.close();
    await dns.close();
  });

  it('the configured resolver is the one Loft exposes, and it asks the test DNS server', async () => {
    assert.notEqual(sender.resolver, noDnsResolver);
    assert.deepEqual(await sender.resolver.a('mx.b.test'), { kind: 'found', records: ['127.0.0.1'] });
    assert.ok(dns.queries.includes('A mx.b.test'));
    // A server started without dns.servers refuses every lookup.
    assert.equal(receiver.resolver, noDnsResolver);
    assert.throws(() => receiver.resolver.mx('b.test'), /without a test DNS server/);
  });

  it('tries the MX hosts in order and delivers to the first that answers', async () => {
    const route = await findRoute('b.test', sender.resolver, { localNames: [sender.hostname] });
    assert.ok(route.kind === 'hosts');
    assert.deepEqual(
      route.hosts.map((h) => h.name),
      ['down.b.test', 'mx.b.test'],
    );
    // The test gives each MX host its port; in production every host listens on 25.
    const ports: Record<string, number> = { 'down.b.test': deadPort, 'mx.b.test': receiver.ports.smtp! };
    const content = Buffer.from('From: alice@a.test\r\nSubject: routed\r\n\r\nHi Bob.\r\n');
    let outcomes: RecipientOutcome[] = [];
    const tried: string[] = [];
    for (const host of route.hosts) {
      tried.push(host.name);
      const attempt = await deliverMessage(
        {
          host: host.addresses[0]!,
          port: ports[host.name]!,
          peerName: host.name,
          heloName: sender.hostname,
          timeouts: FAST,
        },
        {
          from: { localPart: 'alice', domain: 'a.test' },
          recipients: [{ address: { localPart: 'bob', domain: 'b.test' } }],
        },
        messageFromBuffer(content),
      );
      outcomes = attempt.recipients;
      if (attempt.session.ready) break;
      assert.equal(outcomes[0]!.stage, 'connect');
      assert.equal(outcomes[0]!.status, 'temporary');
    }
    assert.deepEqual(tried, ['down.b.test', 'mx.b.test']);
    assert.equal(outcomes[0]!.status, 'delivered');
    const stored = await mailboxContents(receiver, 'bob@b.test');
    assert.match(stored[0]!.toString(), /Subject: routed/);
  });

  it('a null MX domain is a permanent failure before any connection', async () => {
    const route = await findRoute('gone.test', sender.resolver);
    assert.ok(route.kind === 'failed' && route.permanent && route.enhanced === '5.1.10');
  });
});
