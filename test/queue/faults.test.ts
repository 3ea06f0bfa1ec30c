/**
 * Bad remote servers seen from the queue runner: one that hangs after the data, one that answers
 * garbage, one that drops the connection before the final reply. Each attempt ends (timeouts per
 * RFC 5321 §4.5.3.2, shortened by `queue.reply_timeout`), is recorded as temporary, and the
 * message is delivered once the server behaves. And a message that needs SMTPUTF8, to a server
 * without it, comes back with a clear report (RFC 6531 §3.2, 5.6.7).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FakeScript, startFakeServer } from '../helpers/fake-smtp.ts';
import { mailboxContents } from '../helpers/server.ts';
import { SmtpDialog } from '../helpers/smtp-dialog.ts';
import { plainResponse } from '../smtp/support.ts';
import { B_ZONES, eventually, parseDsn, senderWorld, submit } from './support.ts';

async function recovers(misbehave: FakeScript, what: RegExp): Promise<void> {
  let first = true;
  let acknowledged = 0;
  const remote = await startFakeServer({
    ...misbehave,
    command: (line, session) => (first ? misbehave.command?.(line, session) : undefined),
    afterData: (content, session) => {
      if (first && misbehave.afterData) return misbehave.afterData(content, session);
      acknowledged++;
      return '250 2.0.0 ok';
    },
  });
  const world = await senderWorld(B_ZONES, remote.port, { reply_timeout: 0.5 });
  try {
    assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'patience'), 250);
    const store = world.sender.services.store;
    assert.ok(
      await eventually(async () => ((await store.listQueue())[0]?.recipients[0]?.attempts ?? 0) >= 1, 10_000),
    );
    const recipient = (await store.listQueue())[0]?.recipients[0];
    if (recipient) {
      assert.equal(recipient.status, 'pending', 'a temporary failure');
      assert.match(recipient.lastError ?? '', what);
    }
    first = false;
    assert.ok(await eventually(async () => (await store.listQueue()).length === 0, 10_000));
    assert.equal(acknowledged, 1);
    assert.deepEqual(await mailboxContents(world.sender, 'alice@a.test'), [], 'no report');
  } finally {
    await world.close();
    await remote.close();
  }
}

test('a server that never answers the end of data: timed out, retried, delivered', () =>
  recovers({ afterData: () => null }, /time|out/i));

test('a server that answers garbage: the attempt fails temporarily, retried, delivered', () =>
  recovers({ command: (line) => (line.startsWith('EHLO') ? 'this is not SMTP' : undefined) }, /.+/));

test('a server that drops the connection before the final reply: retried, delivered', () =>
  recovers({ afterData: () => 'close' }, /clos|reset|end/i));

test('a message that needs SMTPUTF8 to a server without it: returned with 5.6.7', async () => {
  const remote = await startFakeServer({ ehlo: ['PIPELINING', '8BITMIME'] });
  const world = await senderWorld(B_ZONES, remote.port);
  try {
    const smtp = await SmtpDialog.connect(world.sender.ports.submission!);
    try {
      await smtp.expect(220);
      await smtp.command('EHLO client.example', 250);
      await smtp.command(`AUTH PLAIN ${plainResponse('alice@a.test', 'secret')}`, 235);
      await smtp.command('MAIL FROM:<alice@a.test> SMTPUTF8 BODY=8BITMIME', 250);
      await smtp.command('RCPT TO:<bob@b.test>', 250);
      await smtp.command('DATA', 354);
      smtp.write('From: <alice@a.test>\r\nSubject: Grüße\r\n\r\nHallo\r\n.\r\n');
      assert.equal((await smtp.reply())?.code, 250);
    } finally {
      smtp.close();
    }
    let inbox: Buffer[] = [];
    assert.ok(
      await eventually(async () => {
        inbox = await mailboxContents(world.sender, 'alice@a.test');
        return inbox.length === 1;
      }, 10_000),
    );
    const dsn = parseDsn(inbox[0]!);
    assert.equal(dsn.recipients[0]!.get('status'), '5.6.7');
    assert.match(dsn.recipients[0]!.get('diagnostic-code') ?? '', /SMTPUTF8/);
    assert.equal(
      remote.sessions.flatMap((s) => s.lines).filter((l) => l.startsWith('MAIL')).length,
      0,
      'no transaction begun',
    );
  } finally {
    await world.close();
    await remote.close();
  }
});
