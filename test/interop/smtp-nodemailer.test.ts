/**
 * Interoperability with nodemailer, a widely used SMTP client nobody here wrote: STARTTLS and
 * implicit TLS submission, AUTH PLAIN and LOGIN, pipelined envelopes (RFC 2920), local delivery
 * and the outbound queue, and the errors it reports for bad credentials and foreign senders.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { recordingRelay, splitTrace } from './tools.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  await provision(
    server,
    ['loft.test'],
    ['alice@loft.test', 'bob@loft.test', ['carol@loft.test', 'c0rrect horse']],
  );
});
after(() => server.close());

/** Collects nodemailer's SMTP transaction log: the lines it sent (`C:`) and received (`S:`). */
function transcriptLogger(): { lines: string[]; logger: Record<string, (...args: unknown[]) => void> } {
  const lines: string[] = [];
  const record = (entry: unknown, message: unknown): void => {
    const tnx = (entry as { tnx?: string } | undefined)?.tnx;
    if (tnx === 'client') lines.push(`C: ${String(message)}`);
    else if (tnx === 'server') lines.push(`S: ${String(message)}`);
  };
  const logger = { trace: record, debug: record, info: record, warn: record, error: record, fatal: record };
  return { lines, logger };
}

type TransportOptions = Parameters<typeof nodemailer.createTransport>[0] & Record<string, unknown>;

function submission(extra: Record<string, unknown>): TransportOptions {
  return {
    host: '127.0.0.1',
    port: server.ports.submission!,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: 'alice@loft.test', pass: 'secret' },
    ...extra,
  } as TransportOptions;
}

/** The error nodemailer rejects with (it carries the SMTP reply code). */
async function sendError(transport: Transporter, mail: SendMailOptions) {
  try {
    await transport.sendMail(mail);
  } catch (err) {
    return err as Error & { responseCode?: number; code?: string; response?: string };
  }
  assert.fail('sendMail should have failed');
}

describe('nodemailer on the submission port (STARTTLS)', () => {
  test('AUTH PLAIN after STARTTLS: accepted, stored with an ESMTPSA trace', async () => {
    const { lines, logger } = transcriptLogger();
    const transport = nodemailer.createTransport(
      submission({ authMethod: 'PLAIN', logger, transactionLog: true }),
    );
    const info = await transport.sendMail({
      from: 'Alice <alice@loft.test>',
      to: 'Bob <bob@loft.test>',
      subject: 'STARTTLS and PLAIN',
      text: 'Hello Bob, over TLS.',
    });
    transport.close();
    assert.match(info.response, /^250 2\.0\.0 OK/);
    assert.deepEqual(info.accepted, ['bob@loft.test']);
    assert.deepEqual(info.rejected, []);
    assert.ok(lines.includes('C: STARTTLS'), `nodemailer used STARTTLS:\n${lines.join('\n')}`);
    assert.ok(
      lines.some((l) => l.startsWith('C: AUTH PLAIN')),
      'nodemailer used AUTH PLAIN',
    );
    assert.ok(lines.includes('S: 235 2.7.0 Authentication successful'));

    const stored = (await mailboxContents(server, 'bob@loft.test')).at(-1)!;
    const parts = splitTrace(stored);
    assert.equal(parts.returnPath, 'Return-Path: <alice@loft.test>');
    assert.match(parts.received, /with ESMTPSA \(TLSv1\.[23] /);
    assert.match(parts.received, /for <bob@loft\.test>; /);
    const content = parts.content.toString('utf8');
    assert.match(content, /^Subject: STARTTLS and PLAIN\r$/m);
    assert.match(content, /\r\n\r\nHello Bob, over TLS\.(\r\n)?$/);
    assert.match(content, new RegExp(`^Message-ID: ${escapeRegExp(info.messageId)}\\r$`, 'mi'));
  });

  test('AUTH LOGIN after STARTTLS', async () => {
    const { lines, logger } = transcriptLogger();
    const transport = nodemailer.createTransport(
      submission({
        authMethod: 'LOGIN',
        auth: { user: 'carol@loft.test', pass: 'c0rrect horse' },
        logger,
        transactionLog: true,
      }),
    );
    const info = await transport.sendMail({
      from: 'carol@loft.test',
      to: 'alice@loft.test',
      subject: 'via LOGIN',
      text: 'LOGIN works',
    });
    transport.close();
    assert.match(info.response, /^250 /);
    assert.ok(lines.includes('C: AUTH LOGIN'), `nodemailer used AUTH LOGIN:\n${lines.join('\n')}`);
    // RFC 4954 §4 and the LOGIN draft: two 334 challenges, for the user name and the password.
    assert.equal(lines.filter((l) => l.startsWith('S: 334 ')).length, 2);
    const stored = (await mailboxContents(server, 'alice@loft.test')).at(-1)!;
    const parts = splitTrace(stored);
    assert.equal(parts.returnPath, 'Return-Path: <carol@loft.test>');
    assert.match(parts.content.toString(), /^Subject: via LOGIN\r$/m);
  });

  test('pipelines MAIL, RCPT and DATA in one batch (seen on the wire) and the message arrives byte-exact', async () => {
    // Plaintext from loopback is allowed by the test config, so the relay can read the dialogue.
    const relay = await recordingRelay(server.ports.submission!);
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: relay.port,
      secure: false,
      ignoreTLS: true,
      auth: { user: 'alice@loft.test', pass: 'secret' },
    });
    const raw = Buffer.from(
      'From: alice@loft.test\r\nTo: bob@loft.test\r\nSubject: pipelined\r\nMessage-ID: <p1@loft.test>\r\n\r\n' +
        'line one\r\n.line starting with a dot\r\n..two dots\r\n.\r\nlast line\r\n',
    );
    const beforeAlice = (await mailboxContents(server, 'alice@loft.test')).length;
    const info = await transport.sendMail({
      envelope: { from: 'alice@loft.test', to: ['bob@loft.test', 'alice+tag@loft.test'] },
      raw,
    });
    transport.close();
    await relay.close();
    assert.deepEqual(info.accepted, ['bob@loft.test', 'alice+tag@loft.test']);

    const mailAt = relay.events.findIndex((e) => e.from === 'client' && e.data.includes('MAIL FROM:'));
    assert.ok(mailAt >= 0, 'MAIL FROM went through the relay');
    let batch = '';
    for (const event of relay.events.slice(mailAt)) {
      if (event.from === 'server') break;
      batch += event.data.toString('latin1');
    }
    // RFC 2920 §3.1: the client sent every envelope command and DATA before the first reply.
    assert.match(batch, /^MAIL FROM:<alice@loft\.test>[^\r\n]*\r\nRCPT TO:<bob@loft\.test>[^\r\n]*\r\n/);
    assert.match(batch, /RCPT TO:<alice\+tag@loft\.test>[^\r\n]*\r\nDATA\r\n$/);
    const replies = relay.events
      .filter((e) => e.from === 'server')
      .map((e) => e.data.toString('latin1'))
      .join('');
    assert.match(replies, /250 2\.1\.0 [^\r\n]*\r\n250 2\.1\.5 [^\r\n]*\r\n250 2\.1\.5 [^\r\n]*\r\n354 /);

    const bobs = splitTrace((await mailboxContents(server, 'bob@loft.test')).at(-1)!);
    assert.ok(bobs.content.equals(raw), `stored content differs:\n${bobs.content.toString()}`);
    assert.doesNotMatch(bobs.received, /for </, 'no `for` clause with two recipients');
    const alices = await mailboxContents(server, 'alice@loft.test');
    assert.equal(alices.length, beforeAlice + 1);
    assert.ok(splitTrace(alices.at(-1)!).content.equals(raw));
  });

  test('a remote recipient is queued for outbound delivery with its sender', async () => {
    const transport = nodemailer.createTransport(submission({}));
    const queuedBefore = (await server.services.store.listQueue()).length;
    const info = await transport.sendMail({
      from: 'alice@loft.test',
      to: ['friend@remote.example', 'bob@loft.test'],
      subject: 'to the world',
      text: 'Queued for a remote MTA.',
      dsn: { id: 'env-42', return: 'headers', notify: ['failure', 'delay'], recipient: 'alice@loft.test' },
    });
    transport.close();
    assert.deepEqual(info.accepted, ['friend@remote.example', 'bob@loft.test']);
    const queue = await server.services.store.listQueue();
    assert.equal(queue.length, queuedBefore + 1);
    const entry = queue.at(-1)!;
    assert.equal(entry.sender, 'alice@loft.test');
    assert.deepEqual(
      entry.recipients.map((r) => r.address),
      ['friend@remote.example'],
      'only the remote recipient is queued',
    );
    assert.equal(entry.envId, 'env-42');
    assert.equal(entry.ret, 'HDRS');
    assert.deepEqual(entry.recipients[0]!.notify, ['FAILURE', 'DELAY']);
    assert.equal(entry.recipients[0]!.status, 'pending');
    // The queued content starts with our Received field (Return-Path is for final delivery only).
    const blob = await server.services.blobs.read(entry.blobId);
    const outbound = blob.subarray(entry.blobOffset).toString('utf8');
    assert.match(outbound, /^Received: from /);
    assert.match(outbound, /^Subject: to the world\r$/m);
    // The local copy is the same blob.
    const bobs = splitTrace((await mailboxContents(server, 'bob@loft.test')).at(-1)!);
    assert.match(bobs.content.toString(), /Queued for a remote MTA\./);
  });

  test('SMTPUTF8 is used for an internationalised recipient', async () => {
    await server.services.directory.addUser('jörg@loft.test', 'secret');
    const { lines, logger } = transcriptLogger();
    const transport = nodemailer.createTransport(submission({ logger, transactionLog: true }));
    const info = await transport.sendMail({
      from: 'alice@loft.test',
      to: 'Jörg <jörg@loft.test>',
      subject: 'Grüße',
      text: 'Schöne Grüße',
    });
    transport.close();
    assert.deepEqual(info.accepted, ['jörg@loft.test']);
    assert.ok(
      lines.some((l) => /^C: MAIL FROM:<alice@loft\.test> .*SMTPUTF8/.test(l)),
      `MAIL FROM carries SMTPUTF8:\n${lines.join('\n')}`,
    );
    const stored = splitTrace((await mailboxContents(server, 'jörg@loft.test')).at(-1)!);
    assert.match(stored.received, /with UTF8SMTPSA /);
    assert.match(stored.received, /for <jörg@loft\.test>/);
  });
});

describe('nodemailer on the submissions port (implicit TLS, RFC 8314)', () => {
  test('TLS from the first byte, then AUTH', async () => {
    const { lines, logger } = transcriptLogger();
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: server.ports.submissions!,
      secure: true,
      tls: { rejectUnauthorized: false },
      auth: { user: 'alice@loft.test', pass: 'secret' },
      logger,
      transactionLog: true,
    } as TransportOptions);
    await transport.verify();
    const info = await transport.sendMail({
      from: 'alice@loft.test',
      to: 'bob@loft.test',
      subject: 'implicit TLS',
      text: 'port 465 style',
    });
    transport.close();
    assert.match(info.response, /^250 /);
    assert.ok(!lines.includes('C: STARTTLS'), 'no STARTTLS on an implicit-TLS port');
    const ehlo = lines.find((l) => l.startsWith('S: 250-') && l.includes('AUTH'));
    assert.ok(ehlo && !ehlo.includes('STARTTLS'), 'STARTTLS is not offered over TLS');
    const stored = splitTrace((await mailboxContents(server, 'bob@loft.test')).at(-1)!);
    assert.match(stored.received, /with ESMTPSA \(TLSv1\.[23] /);
    assert.match(stored.content.toString(), /^Subject: implicit TLS\r$/m);
  });
});

describe('nodemailer sees Loft refuse', () => {
  test('a wrong password: EAUTH with reply code 535', async () => {
    const transport = nodemailer.createTransport(
      submission({ auth: { user: 'alice@loft.test', pass: 'wrong' } }),
    );
    const err = await sendError(transport, { from: 'alice@loft.test', to: 'bob@loft.test', text: 'x' });
    transport.close();
    assert.equal(err.code, 'EAUTH');
    assert.equal(err.responseCode, 535);
    assert.match(err.response ?? '', /^535 5\.7\.8 /);
  });

  test('a sender the account does not own: EENVELOPE with 553, nothing stored', async () => {
    const before = (await mailboxContents(server, 'bob@loft.test')).length;
    const transport = nodemailer.createTransport(submission({}));
    const err = await sendError(transport, {
      from: 'bob@loft.test',
      to: 'bob@loft.test',
      subject: 'spoofed',
      text: 'x',
    });
    transport.close();
    assert.equal(err.code, 'EENVELOPE');
    assert.equal(err.responseCode, 553);
    assert.match(err.response ?? '', /^553 5\.7\.1 /);
    assert.equal((await mailboxContents(server, 'bob@loft.test')).length, before);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
