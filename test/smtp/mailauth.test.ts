/**
 * Mail authentication through the real server: SPF, DKIM and DMARC on port 25 with the
 * Authentication-Results field the delivery point adds (RFC 8601), forged ones removed, DMARC
 * reject and quarantine, DNS failures as temperror; and DKIM signing of submitted mail, checked
 * by mailauth's own verifier over the test DNS server. Clients connect from 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dkimRecordName, dkimRecordText } from '../../src/auth/keys.ts';
import { verifyDkim } from '../helpers/dkim-verify.ts';
import { startDnsServer, type TestDnsServer, type TestZones } from '../helpers/dns-server.ts';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { greeted, plainResponse } from './support.ts';

const HOST = 'mx.loft.test';
let dns: TestDnsServer;
let server: TestServer;

const ZONES: TestZones = {
  'a.test': { TXT: ['v=spf1 ip4:127.0.0.0/8 -all'], A: ['127.0.0.1'] },
  '_dmarc.a.test': { TXT: ['v=DMARC1; p=reject'] },
  'client.a.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'], A: ['127.0.0.1'] },
  'fail.test': { TXT: ['v=spf1 ip4:192.0.2.0/24 -all'], A: ['192.0.2.1'] },
  '_dmarc.fail.test': { TXT: ['v=DMARC1; p=reject'] },
  'quarantine.test': { TXT: ['v=spf1 -all'], A: ['192.0.2.1'] },
  '_dmarc.quarantine.test': { TXT: ['v=DMARC1; p=quarantine'] },
  'temp.test': { TXT: 'SERVFAIL', A: 'SERVFAIL' },
  '_dmarc.temp.test': 'SERVFAIL',
};

before(async () => {
  dns = await startDnsServer(ZONES, { zones: ['test', 'in-addr.arpa'] });
  server = await startTestServer({ dns: { servers: [dns.address], timeout: 0.5, tries: 1 } });
  await provision(server, ['loft.test'], ['bob@loft.test', 'alice@loft.test']);
});
after(async () => {
  await server.close();
  await dns.close();
});

/** Sends one message on port 25 and returns the final reply. */
async function sendMx(sender: string, data: string, to: TestServer = server) {
  const smtp = await greeted(to.ports.smtp!);
  try {
    await smtp.command('EHLO client.a.test', 250);
    await smtp.command(`MAIL FROM:<${sender}>`, 250);
    await smtp.command('RCPT TO:<bob@loft.test>', 250);
    await smtp.command('DATA', 354);
    smtp.write(`${data}\r\n.\r\n`);
    return (await smtp.reply())!;
  } finally {
    smtp.close();
  }
}

/** The header fields before Loft's Received field of a stored message (Return-Path excluded). */
function addedFields(raw: Buffer): string {
  const text = raw.toString('latin1');
  const received = text.indexOf('\r\nReceived: ');
  return text.slice(text.indexOf('\r\n') + 2, received + 2);
}

describe('checks on port 25', () => {
  test('SPF pass and DMARC pass are recorded in an Authentication-Results field; forged ones claiming Loft are removed', async () => {
    const before = (await mailboxContents(server, 'bob@loft.test')).length;
    const reply = await sendMx(
      'alice@a.test',
      'Authentication-Results: mx.loft.test; dkim=pass header.d=bank.test\r\n' +
        'Authentication-Results: (sneaky) "MX.LOFT.TEST";\r\n\tdmarc=pass header.from=bank.test\r\n' +
        'Authentication-Results: relay.a.test; spf=pass smtp.mailfrom=a.test\r\n' +
        'From: <alice@a.test>\r\nSubject: hello\r\n\r\nbody',
    );
    assert.equal(reply.code, 250);
    const stored = (await mailboxContents(server, 'bob@loft.test'))[before]!;
    assert.equal(
      addedFields(stored),
      `Authentication-Results: ${HOST};\r\n` +
        '\tdkim=none;\r\n' +
        '\tspf=pass smtp.mailfrom=alice@a.test;\r\n' +
        '\tspf=pass smtp.helo=client.a.test;\r\n' +
        '\tdmarc=pass (p=reject) header.from=a.test\r\n',
    );
    const content = stored.toString('latin1').split(/\r\nReceived: [\s\S]*?\r\n(?![ \t])/)[1]!;
    assert.equal(
      content,
      'Authentication-Results: relay.a.test; spf=pass smtp.mailfrom=a.test\r\n' +
        'From: <alice@a.test>\r\nSubject: hello\r\n\r\nbody\r\n',
    );
  });

  test('DMARC fail under p=reject: 550 5.7.1 at the end of data, nothing stored', async () => {
    const before = (await mailboxContents(server, 'bob@loft.test')).length;
    const reply = await sendMx('x@fail.test', 'From: <x@fail.test>\r\nSubject: spoof\r\n\r\nbody');
    assert.equal(reply.code, 550);
    assert.match(reply.text, /^5\.7\.1 .*fail\.test/);
    assert.equal((await mailboxContents(server, 'bob@loft.test')).length, before);
  });

  test('DMARC fail under p=quarantine: delivered into Junk with the verdict', async () => {
    const inbox = (await mailboxContents(server, 'bob@loft.test')).length;
    const reply = await sendMx('x@quarantine.test', 'From: <x@quarantine.test>\r\nSubject: q\r\n\r\nbody');
    assert.equal(reply.code, 250);
    assert.equal((await mailboxContents(server, 'bob@loft.test')).length, inbox);
    const junk = await mailboxContents(server, 'bob@loft.test', 'Junk');
    assert.match(
      addedFields(junk.at(-1)!),
      /\tdmarc=fail \(p=quarantine\) header\.from=quarantine\.test\r\n$/,
    );
  });

  test('temporary DNS failures: temperror in the field, the message accepted (never a 5xx)', async () => {
    const before = (await mailboxContents(server, 'bob@loft.test')).length;
    const reply = await sendMx('x@temp.test', 'From: <x@temp.test>\r\nSubject: t\r\n\r\nbody');
    assert.equal(reply.code, 250);
    const stored = (await mailboxContents(server, 'bob@loft.test'))[before]!;
    assert.match(addedFields(stored), /\tspf=temperror smtp\.mailfrom=x@temp\.test;\r\n/);
    assert.match(addedFields(stored), /\tdmarc=temperror /);
  });
});

describe('configured actions', () => {
  test('dmarc.on_reject = "junk" delivers a p=reject failure into Junk; auth.verify_mx = false adds nothing', async () => {
    const other = await startTestServer({
      dns: { servers: [dns.address], timeout: 0.5, tries: 1 },
      dmarc: { on_reject: 'junk' },
    });
    try {
      await provision(other, ['loft.test'], ['bob@loft.test']);
      assert.equal((await sendMx('x@fail.test', 'From: <x@fail.test>\r\n\r\nbody', other)).code, 250);
      assert.equal((await mailboxContents(other, 'bob@loft.test', 'Junk')).length, 1);
    } finally {
      await other.close();
    }
    const off = await startTestServer({ dns: { servers: [dns.address] }, auth: { verify_mx: false } });
    try {
      await provision(off, ['loft.test'], ['bob@loft.test']);
      assert.equal((await sendMx('x@fail.test', 'From: <x@fail.test>\r\n\r\nbody', off)).code, 250);
      const [stored] = await mailboxContents(off, 'bob@loft.test');
      assert.doesNotMatch(stored!.toString(), /Authentication-Results/);
    } finally {
      await off.close();
    }
  });
});

describe('DKIM signing of submitted mail', () => {
  test('the queued copy for remote recipients carries both signatures, which verify; submission is not checked', async () => {
    const keys = await server.services.dkim.generate('loft.test');
    const zones: TestZones = { ...ZONES };
    for (const key of keys) {
      const text = dkimRecordText(key.algorithm, key.publicKey);
      zones[dkimRecordName(key.selector, 'loft.test')] = { TXT: [text.match(/.{1,255}/g)!] };
    }
    dns.setRecords(zones);
    const smtp = await greeted(server.ports.submission!);
    await smtp.command(`AUTH PLAIN ${plainResponse('alice@loft.test', 'secret')}`, 235);
    await smtp.command('MAIL FROM:<alice@loft.test>', 250);
    await smtp.command('RCPT TO:<friend@remote.test>', 250);
    await smtp.command('RCPT TO:<bob@loft.test>', 250);
    await smtp.command('DATA', 354);
    smtp.write(
      'From: Alice <alice@loft.test>\r\nTo: friend@remote.test\r\nSubject: signed\r\n' +
        'Date: Sat, 28 Nov 2026 00:00:00 +0000\r\nMessage-ID: <s1@loft.test>\r\n\r\nHello.\r\n.\r\n',
    );
    assert.equal((await smtp.reply())?.code, 250);
    smtp.close();

    const entry = (await server.services.store.listQueue()).at(-1)!;
    const queued = (await server.services.blobs.read(entry.blobId)).subarray(entry.blobOffset);
    assert.match(queued.toString(), /^DKIM-Signature: [\s\S]*\r\nDKIM-Signature: [\s\S]*\r\nReceived: /);
    assert.doesNotMatch(queued.toString(), /Authentication-Results/);

    const verified = await verifyDkim(queued, dns.address);
    assert.deepEqual(verified.results.map((r) => [r.status.result, r.signingDomain, r.algo]).sort(), [
      ['pass', 'loft.test', 'ed25519-sha256'],
      ['pass', 'loft.test', 'rsa-sha256'],
    ]);
    const tampered = Buffer.from(queued.toString().replace('Hello.', 'Hullo.'));
    const failed = await verifyDkim(tampered, dns.address);
    assert.deepEqual(
      failed.results.map((r) => r.status.result),
      ['fail', 'fail'],
    );

    // The same message arriving on port 25 (as the receiving side of the two-host scenario
    // would see it): both signatures pass in Loft's Authentication-Results.
    const before = (await mailboxContents(server, 'bob@loft.test')).length;
    const text = queued.toString('latin1').replace(/\r\n$/, '');
    assert.equal((await sendMx('alice@loft.test', text)).code, 250);
    const arrived = (await mailboxContents(server, 'bob@loft.test'))[before]!;
    const fields = addedFields(arrived);
    assert.match(fields, /^Authentication-Results: mx\.loft\.test;\r\n\tdkim=pass /);
    assert.match(
      fields,
      /\r\n\tdkim=pass header\.d=loft\.test header\.s=loft-rsa-\d{6} header\.a=rsa-sha256 header\.b=\S+;\r\n/,
    );
    assert.match(
      fields,
      /\r\n\tdkim=pass header\.d=loft\.test header\.s=loft-ed-\d{6} header\.a=ed25519-sha256 header\.b=\S+;\r\n/,
    );
    assert.match(fields, /\r\n\tspf=none smtp\.mailfrom=alice@loft\.test;\r\n/);
    dns.setRecords(ZONES);
  });
});
