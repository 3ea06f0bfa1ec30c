/**
 * End to end, as in real life: two Loft hosts, each with its own address (127.0.0.2 and
 * 127.0.0.3), both with SMTP on port 25, and a DNS server giving their MX records. alice@a.test
 * submits on A; A finds the MX of b.test and delivers to B; bob@b.test reads the message over
 * IMAP on B and replies; the reply goes back from B to A the same way, and alice reads it over
 * POP3. Each domain publishes SPF, DKIM and DMARC (p=reject) records, A signs with its DKIM
 * keys, and B finds dkim, spf and dmarc passing in its Authentication-Results. Binding port 25
 * needs root; elsewhere both hosts use one other port (queue.port).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { dkimRecordName, dkimRecordText, generateDkimKey } from '../../src/auth/keys.ts';
import { startDnsServer } from '../helpers/dns-server.ts';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { ImapDialog } from '../imap/dialog.ts';
import { Pop3Dialog } from '../pop3/dialog.ts';
import { eventually, FAST_QUEUE, submit } from './support.ts';

/** Port 25 when this process may bind it on 127.0.0.2, else a free high port (same on both hosts). */
async function mxPort(): Promise<number> {
  for (const port of [25, 0]) {
    const server = net.createServer();
    const bound = await new Promise<number | undefined>((resolve) => {
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.2', () => resolve((server.address() as net.AddressInfo).port));
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (bound !== undefined) return bound;
  }
  throw new Error('cannot bind on 127.0.0.2');
}

async function host(ip: string, name: string, port: number, dns: string): Promise<TestServer> {
  return startTestServer({
    hostname: name,
    listen: {
      smtp: [`${ip}:${port}`],
      submission: ['127.0.0.1:0'],
      submissions: [],
      imap: ['127.0.0.1:0'],
      imaps: [],
      pop3: ['127.0.0.1:0'],
      pop3s: [],
    },
    dns: { servers: [dns], timeout: 1, tries: 1 },
    queue: { ...FAST_QUEUE, port, source_address: ip },
  });
}

test('two Loft hosts: alice@a.test writes to bob@b.test through the MX, bob reads over IMAP, replies, alice reads over POP3', async () => {
  const port = await mxPort();
  // Each domain's DKIM keys, made before its DNS zone is served, so the zone publishes them.
  const keysOf = async (domain: string) =>
    (await Promise.all([generateDkimKey('rsa-sha256'), generateDkimKey('ed25519-sha256')])).map((key, i) => ({
      ...key,
      selector: `e2e-${i}`,
      domain,
    }));
  const keys = { a: await keysOf('a.test'), b: await keysOf('b.test') };
  const published = Object.fromEntries(
    [...keys.a, ...keys.b].map((k) => [
      dkimRecordName(k.selector, k.domain),
      { TXT: [dkimRecordText(k.algorithm, k.publicKey)] },
    ]),
  );
  const dns = await startDnsServer({
    'a.test': { MX: [[10, 'mx.a.test']], TXT: ['v=spf1 ip4:127.0.0.2 -all'] },
    'mx.a.test': { A: ['127.0.0.2'], TXT: ['v=spf1 ip4:127.0.0.2 -all'] },
    '_dmarc.a.test': { TXT: ['v=DMARC1; p=reject'] },
    'b.test': { MX: [[10, 'mx.b.test']], TXT: ['v=spf1 ip4:127.0.0.3 -all'] },
    'mx.b.test': { A: ['127.0.0.3'], TXT: ['v=spf1 ip4:127.0.0.3 -all'] },
    '_dmarc.b.test': { TXT: ['v=DMARC1; p=reject'] },
    // DMARC asks the organizational domain too (RFC 7489 §6.6.3): it has no record.
    '_dmarc.test': {},
    ...published,
  });
  const a = await host('127.0.0.2', 'mx.a.test', port, dns.address);
  const b = await host('127.0.0.3', 'mx.b.test', port, dns.address);
  try {
    await provision(a, ['a.test'], ['alice@a.test']);
    await provision(b, ['b.test'], ['bob@b.test']);
    await a.services.store.addDkimKeys('a.test', keys.a);
    await b.services.store.addDkimKeys('b.test', keys.b);
    assert.equal(
      await submit(a, 'alice@a.test', ['bob@b.test'], 'Lunch tomorrow?', { subject: 'Lunch' }),
      250,
    );

    const imap = await ImapDialog.login(b.ports.imap!, 'bob@b.test');
    try {
      assert.ok(
        await eventually(
          async () =>
            /STATUS .*\(MESSAGES 1\)/.test((await imap.ok('STATUS INBOX (MESSAGES)')).untagged.join('\n')),
          15_000,
        ),
        'the message reached B',
      );
      await imap.ok('SELECT INBOX');
      const fetched = await imap.ok('FETCH 1 (BODY.PEEK[])');
      const text = fetched.untagged.join('\n');
      assert.match(text, /Subject: Lunch/);
      assert.match(text, /Lunch tomorrow\?/);
      assert.match(
        text,
        /Received: from mx\.a\.test \(\[127\.0\.0\.2\]\)/,
        'B saw A connect from its own address',
      );
      assert.match(text, /by mx\.b\.test \(Loft\)\r?\n\twith ESMTPS /, 'over opportunistic STARTTLS');
      const results = /Authentication-Results: mx\.b\.test;[\s\S]*?(?=\r?\n\S)/.exec(text)?.[0] ?? '';
      assert.match(results, /dkim=pass[^;]*header\.d=a\.test/, `DKIM pass in ${results}`);
      assert.match(results, /spf=pass/, `SPF pass in ${results}`);
      assert.match(results, /dmarc=pass/, `DMARC pass in ${results}`);
    } finally {
      await imap.logout();
    }
    assert.ok(
      await eventually(async () => (await a.services.store.listQueue()).length === 0, 10_000),
      'A has nothing left queued',
    );

    assert.equal(
      await submit(b, 'bob@b.test', ['alice@a.test'], 'Yes, at noon.', { subject: 'Re: Lunch' }),
      250,
    );
    let content = '';
    assert.ok(
      await eventually(async () => {
        const session = await Pop3Dialog.login(a.ports.pop3!, 'alice@a.test');
        try {
          const stat = await session.command('STAT', true);
          if (!/^1 /.test(stat.text)) return false;
          content = (await session.multi('RETR 1')).content.toString();
          return true;
        } finally {
          await session.command('QUIT', true).catch(() => undefined);
        }
      }, 15_000),
      'the reply reached A',
    );
    assert.match(content, /Subject: Re: Lunch/);
    assert.match(content, /Yes, at noon\./);
    assert.match(content, /Received: from mx\.b\.test \(\[127\.0\.0\.3\]\)/);
    assert.match(content, /Authentication-Results: mx\.a\.test;[\s\S]*dkim=pass[\s\S]*header\.d=b\.test/);
  } finally {
    await a.close();
    await b.close();
    await dns.close();
  }
});
