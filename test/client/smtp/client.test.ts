/**
 * Loft's SMTP client against Loft's own SMTP server on 127.0.0.1: delivery with BDAT and with
 * DATA, many recipients with some refused, STARTTLS (opportunistic, required, verified), SIZE,
 * several transactions on one connection.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ClientOptions, deliverMessage, SmtpClient } from '../../../src/client/smtp/client.ts';
import { type Envelope, messageFromBuffer } from '../../../src/client/smtp/types.ts';
import { mailboxContents, provision, startTestServer, type TestServer } from '../../helpers/server.ts';

const alice = { localPart: 'alice', domain: 'a.test' };
const to = (address: string) => {
  const [localPart, domain] = address.split('@') as [string, string];
  return { address: { localPart, domain } };
};
const FAST = {
  connect: 2000,
  initial: 2000,
  command: 2000,
  mail: 2000,
  rcpt: 2000,
  dataInit: 2000,
  dataBlock: 2000,
  dataEnd: 2000,
};

function message(subject: string, body = 'Hello.\r\n'): Buffer {
  return Buffer.from(`From: alice@a.test\r\nTo: bob@b.test\r\nSubject: ${subject}\r\n\r\n${body}`);
}

/** The stored message without the trace headers Loft adds on arrival. */
function stripTrace(raw: Buffer): string {
  return raw.toString('latin1').replace(/^(Return-Path|Received):[^\r]*\r\n(?:[ \t][^\r]*\r\n)*/gm, '');
}

describe('SMTP client against Loft', () => {
  let server: TestServer;
  let options: ClientOptions;
  before(async () => {
    server = await startTestServer({ smtp: { max_message_size: 4000 } });
    await provision(server, ['b.test'], ['bob@b.test', 'carol@b.test']);
    options = {
      host: '127.0.0.1',
      port: server.ports.smtp!,
      heloName: 'mx.a.test',
      peerName: 'mx.loft.test',
      timeouts: FAST,
    };
  });
  after(() => server.close());

  it('delivers with BDAT over opportunistic STARTTLS', async () => {
    const content = message('bdat', '.leading dot\r\nbody\r\n');
    const { session, recipients } = await deliverMessage(
      options,
      { from: alice, recipients: [to('bob@b.test')] },
      messageFromBuffer(content),
    );
    assert.equal(recipients.length, 1);
    assert.equal(recipients[0]!.status, 'delivered');
    assert.equal(recipients[0]!.code, 250);
    assert.equal(recipients[0]!.stage, 'content');
    assert.ok(session.extensions.chunking && session.extensions.pipelining);
    assert.ok(session.tls !== null, 'TLS used');
    assert.equal(session.tls.authorized, false, 'self-signed certificate, not verified');
    const stored = await mailboxContents(server, 'bob@b.test');
    assert.equal(stripTrace(stored.at(-1)!), content.toString('latin1'));
  });

  it('delivers with DATA and dot-stuffing when CHUNKING is not used, without TLS when told', async () => {
    const content = message('data', '.\r\n..two dots\r\n.end\r\n');
    const { session, recipients } = await deliverMessage(
      { ...options, chunking: false, tls: 'none' },
      { from: alice, recipients: [to('bob@b.test')] },
      messageFromBuffer(content),
    );
    assert.equal(recipients[0]!.status, 'delivered');
    assert.equal(session.tls, null);
    const stored = await mailboxContents(server, 'bob@b.test');
    assert.equal(stripTrace(stored.at(-1)!), content.toString('latin1'));
  });

  it('sends many BDAT chunks', async () => {
    const body = `${'x'.repeat(70)}\r\n`.repeat(40);
    const content = message('chunks', body);
    const { recipients } = await deliverMessage(
      { ...options, chunkSize: 100 },
      { from: alice, recipients: [to('carol@b.test')] },
      messageFromBuffer(content),
    );
    assert.equal(recipients[0]!.status, 'delivered');
    const stored = await mailboxContents(server, 'carol@b.test');
    assert.equal(stripTrace(stored.at(-1)!), content.toString('latin1'));
  });

  it('gives each recipient its own outcome in one transaction', async () => {
    const before = (await mailboxContents(server, 'carol@b.test')).length;
    const envelope: Envelope = {
      from: alice,
      recipients: [to('bob@b.test'), to('nobody@b.test'), to('carol@b.test'), to('someone@elsewhere.test')],
    };
    for (const chunking of [true, false]) {
      const { recipients } = await deliverMessage(
        { ...options, chunking },
        envelope,
        messageFromBuffer(message('many')),
      );
      assert.deepEqual(
        recipients.map((r) => [r.recipient.localPart, r.status, r.stage]),
        [
          ['bob', 'delivered', 'content'],
          ['nobody', 'permanent', 'rcpt'],
          ['carol', 'delivered', 'content'],
          ['someone', 'permanent', 'rcpt'],
        ],
      );
      assert.equal(recipients[1]!.code, 550);
      assert.equal(recipients[1]!.enhanced, '5.1.1');
      assert.ok(recipients[1]!.text.length > 0);
    }
    assert.equal((await mailboxContents(server, 'carol@b.test')).length, before + 2);
  });

  it('sends nothing when every recipient is refused, and the connection stays usable', async () => {
    const client = await SmtpClient.connect(options);
    const refused = await client.send(
      { from: alice, recipients: [to('nobody@b.test'), to('none@b.test')] },
      messageFromBuffer(message('none')),
    );
    assert.deepEqual(
      refused.map((r) => r.status),
      ['permanent', 'permanent'],
    );
    const again = await client.send(
      { from: alice, recipients: [to('bob@b.test')] },
      messageFromBuffer(message('reuse')),
    );
    assert.equal(again[0]!.status, 'delivered');
    const third = await client.send(
      { from: null, recipients: [to('carol@b.test')] },
      messageFromBuffer(message('third')),
    );
    assert.equal(third[0]!.status, 'delivered');
    await client.quit();
    const last = await mailboxContents(server, 'carol@b.test');
    assert.match(last.at(-1)!.toString('latin1'), /Return-Path: <>/);
  });

  it('refuses before sending a message larger than the server SIZE', async () => {
    const before = (await mailboxContents(server, 'bob@b.test')).length;
    const big = message('big', `${'y'.repeat(98)}\r\n`.repeat(50));
    const { session, recipients } = await deliverMessage(
      options,
      { from: alice, recipients: [to('bob@b.test')] },
      messageFromBuffer(big),
    );
    assert.equal(session.extensions.size, 4000);
    assert.equal(recipients[0]!.status, 'permanent');
    assert.equal(recipients[0]!.enhanced, '5.3.4');
    assert.equal(recipients[0]!.stage, 'check');
    assert.match(recipients[0]!.text, /larger than .* accepts \(SIZE 4000\)/);
    assert.equal((await mailboxContents(server, 'bob@b.test')).length, before);
  });

  it('verifies the certificate when asked: trusted CA passes, unknown CA is a temporary failure', async () => {
    const ca = await readFile(path.join(server.dataDir, 'tls', 'self-signed.crt'), 'utf8');
    const trusted = await deliverMessage(
      { ...options, tls: 'require', verifyTls: true, tlsOptions: { ca } },
      { from: alice, recipients: [to('bob@b.test')] },
      messageFromBuffer(message('verified')),
    );
    assert.equal(trusted.recipients[0]!.status, 'delivered');
    assert.equal(trusted.session.tls?.authorized, true);
    const untrusted = await deliverMessage(
      { ...options, tls: 'require', verifyTls: true },
      { from: alice, recipients: [to('bob@b.test')] },
      messageFromBuffer(message('unverified')),
    );
    assert.equal(untrusted.recipients[0]!.status, 'temporary');
    assert.equal(untrusted.recipients[0]!.stage, 'starttls');
    assert.match(untrusted.recipients[0]!.text, /TLS handshake .* failed/);
  });
});
