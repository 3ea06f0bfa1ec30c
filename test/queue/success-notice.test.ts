/**
 * Success notices (RFC 3461 §5.2.3): Loft delivers into a local mailbox for a recipient that
 * asked NOTIFY=SUCCESS, so it is the final MTA and reports `delivered` (RFC 3464 §2.3.3) to the
 * envelope sender: to a local sender's INBOX, or through the queue to a remote sender's server.
 * Real Loft, real sockets: submission on 587, mail from outside on 25, a loopback DNS server and a
 * fake SMTP server for the remote sender's domain.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeServer } from '../helpers/fake-smtp.ts';
import { mailboxContents } from '../helpers/server.ts';
import { SmtpDialog } from '../helpers/smtp-dialog.ts';
import {
  B_ZONES,
  inboxHolding,
  mimeParts,
  parseDsn,
  type QueueWorld,
  queueEmpty,
  senderWorld,
  submit,
} from './support.ts';

/** Sends one message to Loft's port 25 as a server from outside would. */
async function fromOutside(world: QueueWorld, from: string, rcpts: string[], params: string): Promise<void> {
  const smtp = await SmtpDialog.connect(world.sender.ports.smtp!);
  try {
    await smtp.expect(220);
    await smtp.command('EHLO mx.b.test', 250);
    await smtp.command(`MAIL FROM:<${from}> ENVID=outside-1`, 250);
    for (const rcpt of rcpts) await smtp.command(`RCPT TO:<${rcpt}> ${params}`, 250);
    await smtp.command('DATA', 354);
    smtp.write(`From: <${from}>\r\nSubject: from outside\r\n\r\nhello\r\n.\r\n`);
    assert.equal((await smtp.reply())?.code, 250);
    await smtp.command('QUIT', 221);
  } finally {
    smtp.close();
  }
}

describe('success notices for local delivery (RFC 3461 §5.2.3)', () => {
  test('a local recipient with NOTIFY=SUCCESS: the local sender gets a "delivered" report with the header', async () => {
    const world = await senderWorld(B_ZONES, 1);
    try {
      await world.sender.services.directory.addUser('bob@a.test', 'secret');
      const code = await submit(world.sender, 'alice@a.test', ['bob@a.test'], 'report this', {
        mailParams: 'RET=FULL ENVID=env-42',
        rcptParams: 'NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob@a.test',
        subject: 'please confirm',
      });
      assert.equal(code, 250);
      const [delivered] = await inboxHolding(world, 'bob@a.test', 1);
      assert.match(delivered!.toString(), /Subject: please confirm/);
      const [raw] = await inboxHolding(world, 'alice@a.test', 1);
      const text = raw!.toString();
      // RFC 3461 §6.1: sent with the null reverse path.
      assert.match(text, /^Return-Path: <>\r\n/);
      const dsn = parseDsn(raw!);
      assert.equal(dsn.reportType, 'delivery-status');
      assert.match(dsn.headers, /Subject: Successful Mail Delivery Report/);
      assert.equal(dsn.perMessage.get('reporting-mta'), 'dns; mx.a.test');
      assert.equal(dsn.perMessage.get('original-envelope-id'), 'env-42');
      assert.equal(dsn.recipients.length, 1);
      const r = dsn.recipients[0]!;
      assert.equal(r.get('action'), 'delivered');
      assert.equal(r.get('status'), '2.0.0');
      assert.equal(r.get('final-recipient'), 'rfc822;bob@a.test');
      assert.equal(r.get('original-recipient'), 'rfc822;Bob@a.test');
      assert.equal(r.get('remote-mta'), undefined, 'no SMTP server answered');
      // RFC 3461 §4.3: RET=FULL is for failures; a success returns the header only.
      assert.equal(dsn.returned?.type, 'text/rfc822-headers');
      assert.match(dsn.returned!.content, /Subject: please confirm/);
      assert.doesNotMatch(dsn.returned!.content, /report this/);
      await queueEmpty(world);
    } finally {
      await world.close();
    }
  });

  test('no notice without SUCCESS, with NOTIFY=NEVER, or for the null reverse path', async () => {
    const world = await senderWorld(B_ZONES, 1);
    try {
      await world.sender.services.directory.addUser('bob@a.test', 'secret');
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@a.test'], 'one'), 250);
      const failureOnly = { rcptParams: 'NOTIFY=FAILURE,DELAY' };
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@a.test'], 'two', failureOnly), 250);
      const never = { rcptParams: 'NOTIFY=NEVER' };
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@a.test'], 'three', never), 250);
      // From outside with <>: a report is never reported on (RFC 3461 §6.1, loops).
      const smtp = await SmtpDialog.connect(world.sender.ports.smtp!);
      await smtp.expect(220);
      await smtp.command('EHLO mx.b.test', 250);
      await smtp.command('MAIL FROM:<>', 250);
      await smtp.command('RCPT TO:<bob@a.test> NOTIFY=SUCCESS', 250);
      await smtp.command('DATA', 354);
      smtp.write('Subject: bounce\r\n\r\nx\r\n.\r\n');
      assert.equal((await smtp.reply())?.code, 250);
      smtp.close();
      await inboxHolding(world, 'bob@a.test', 4);
      await queueEmpty(world);
      await sleep(300);
      assert.deepEqual(await mailboxContents(world.sender, 'alice@a.test'), [], 'no report');
    } finally {
      await world.close();
    }
  });

  test('a remote sender: the notice is queued and sent to its MX from <>', async () => {
    const remote = await startFakeServer({ ehlo: ['PIPELINING', '8BITMIME', 'DSN'] });
    const world = await senderWorld(B_ZONES, remote.port);
    try {
      await fromOutside(world, 'carol@b.test', ['alice@a.test'], 'NOTIFY=SUCCESS ORCPT=rfc822;alice@a.test');
      await inboxHolding(world, 'alice@a.test', 1);
      await queueEmpty(world);
      const session = remote.sessions.find((s) => s.messages.length > 0);
      assert.ok(session, 'the notice reached b.test');
      assert.ok(
        session.lines.some((l) => /^MAIL FROM:<>/.test(l)),
        session.lines.join('\n'),
      );
      assert.ok(
        session.lines.some((l) => /^RCPT TO:<carol@b\.test>/.test(l)),
        session.lines.join('\n'),
      );
      // A report asks for no reports about itself.
      assert.ok(!session.lines.some((l) => /NOTIFY=(SUCCESS|FAILURE)/.test(l)), session.lines.join('\n'));
      const dsn = parseDsn(session.messages[0]!);
      assert.equal(dsn.perMessage.get('original-envelope-id'), 'outside-1');
      assert.equal(dsn.recipients[0]!.get('action'), 'delivered');
      assert.equal(dsn.recipients[0]!.get('final-recipient'), 'rfc822;alice@a.test');
      assert.match(mimeParts(session.messages[0]!).headers, /To: <carol@b\.test>/);
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('an alias for two accounts is reported "expanded", once, next to a plain "delivered"', async () => {
    const world = await senderWorld(B_ZONES, 1);
    try {
      const directory = world.sender.services.directory;
      await directory.addUser('bob@a.test', 'secret');
      await directory.addUser('dan@a.test', 'secret');
      await directory.addAlias('team@a.test', ['bob@a.test', 'dan@a.test']);
      const code = await submit(world.sender, 'alice@a.test', ['team@a.test', 'bob@a.test'], 'to all', {
        rcptParams: 'NOTIFY=SUCCESS',
      });
      assert.equal(code, 250);
      const [raw] = await inboxHolding(world, 'alice@a.test', 1);
      const dsn = parseDsn(raw!);
      const byAddress = new Map(dsn.recipients.map((r) => [r.get('final-recipient'), r.get('action')]));
      assert.deepEqual(
        byAddress,
        new Map([
          ['rfc822;team@a.test', 'expanded'],
          ['rfc822;bob@a.test', 'delivered'],
        ]),
      );
      await queueEmpty(world);
      await sleep(200);
      assert.equal((await mailboxContents(world.sender, 'alice@a.test')).length, 1, 'one report');
    } finally {
      await world.close();
    }
  });
});
