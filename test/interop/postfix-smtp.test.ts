/**
 * Interoperability of Loft's outbound side with Postfix (Debian's package, a throwaway instance on
 * loopback, the benchmark's): Loft's runner finds the MX through the test DNS server and delivers
 * to Postfix, which stores the message in its Maildir; a recipient Postfix does not know comes
 * back to the sender as an RFC 3464 report. And the other way: Postfix relays to Loft's MX
 * listener. Skipped without Postfix or root.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { PostfixServer, postfixUnavailable } from '../../bench/lib/postfix-server.ts';
import { mailboxContents, provision, startTestServer } from '../helpers/server.ts';
import { SmtpDialog } from '../helpers/smtp-dialog.ts';
import { B_ZONES, eventually, parseDsn, senderWorld, submit } from '../queue/support.ts';

test('Loft delivers to Postfix through the MX; a recipient Postfix refuses is bounced', {
  skip: postfixUnavailable(),
  timeout: 120_000,
}, async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'loft-postfix-out-'));
  chmodSync(root, 0o755);
  const postfix = await PostfixServer.start({
    root: path.join(root, 'pf'),
    domain: 'b.test',
    users: ['bob'],
  });
  const world = await senderWorld(B_ZONES, postfix.port);
  try {
    assert.equal(
      await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'Hello Postfix', { subject: 'interop' }),
      250,
    );
    assert.equal(await postfix.waitDelivered(1, 30_000), true, 'Postfix stored the message');
    const dir = path.join(postfix.maildirs[0]!, 'new');
    const stored = readFileSync(path.join(dir, readdirSync(dir)[0]!), 'utf8');
    assert.match(stored, /Subject: interop/);
    assert.match(stored, /Hello Postfix/);
    assert.match(stored, /Received: from mx\.a\.test/, 'Postfix names Loft by its EHLO');
    assert.ok(
      await eventually(async () => (await world.sender.services.store.listQueue()).length === 0, 10_000),
    );

    assert.equal(await submit(world.sender, 'alice@a.test', ['nobody@b.test'], 'lost'), 250);
    let inbox: Buffer[] = [];
    assert.ok(
      await eventually(async () => {
        inbox = await mailboxContents(world.sender, 'alice@a.test');
        return inbox.length === 1;
      }, 20_000),
      'a bounce from Postfix refusing the recipient',
    );
    const dsn = parseDsn(inbox[0]!);
    assert.equal(dsn.recipients[0]!.get('final-recipient'), 'rfc822;nobody@b.test');
    assert.equal(dsn.recipients[0]!.get('action'), 'failed');
    assert.match(dsn.recipients[0]!.get('status') ?? '', /^5\./);
    assert.match(dsn.recipients[0]!.get('diagnostic-code') ?? '', /^smtp; 550 /);
  } finally {
    await world.close();
    await postfix.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('Postfix delivers to Loft: a message relayed by Postfix arrives in the Loft INBOX', {
  skip: postfixUnavailable(),
  timeout: 120_000,
}, async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'loft-postfix-in-'));
  chmodSync(root, 0o755);
  const loft = await startTestServer({ hostname: 'mx.b.test', queue: { enabled: false } });
  const postfix = await PostfixServer.start({
    root: path.join(root, 'pf'),
    domain: 'pf.test',
    users: ['carol'],
  });
  try {
    await provision(loft, ['b.test'], ['bob@b.test']);
    // The benchmark instance delivers only locally: give it an SMTP client and a route to Loft.
    appendFileSync(
      path.join(postfix.confDir, 'main.cf'),
      [
        'default_transport = smtp',
        'relay_transport = smtp',
        `transport_maps = inline:{ b.test=smtp:[127.0.0.1]:${loft.ports.smtp} }`,
        'smtp_tls_security_level = may',
        'smtp_helo_name = postfix.pf.test',
        '',
      ].join('\n'),
    );
    appendFileSync(path.join(postfix.confDir, 'master.cf'), 'smtp      unix  - - n -  - smtp\n');
    await new Promise<void>((resolve, reject) =>
      execFile('/usr/sbin/postfix', ['-c', postfix.confDir, 'reload'], (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    const smtp = await SmtpDialog.connect(postfix.port);
    try {
      await smtp.expect(220);
      await smtp.command('EHLO client.pf.test', 250);
      await smtp.command('MAIL FROM:<carol@pf.test>', 250);
      await smtp.command('RCPT TO:<bob@b.test>', 250);
      await smtp.command('DATA', 354);
      smtp.write('From: <carol@pf.test>\r\nSubject: from postfix\r\n\r\nRelayed by Postfix\r\n.\r\n');
      assert.equal((await smtp.reply())?.code, 250);
      await smtp.command('QUIT', 221);
    } finally {
      smtp.close();
    }
    let inbox: Buffer[] = [];
    assert.ok(
      await eventually(async () => {
        inbox = await mailboxContents(loft, 'bob@b.test');
        return inbox.length === 1;
      }, 30_000),
      'Loft received the message from Postfix',
    );
    const text = inbox[0]!.toString();
    assert.match(text, /^Return-Path: <carol@pf\.test>/);
    assert.match(
      text,
      /Received: from postfix\.pf\.test \(\[127\.0\.0\.1\]\)\r\n\tby mx\.b\.test \(Loft\)\r\n\twith ESMTPS? /,
    );
    assert.match(text, /Relayed by Postfix/);
  } finally {
    await postfix.stop();
    await loft.close();
    rmSync(root, { recursive: true, force: true });
  }
});
