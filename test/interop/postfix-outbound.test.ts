/**
 * Interoperability of Loft's outbound side with Postfix (Debian's package, a throwaway instance on
 * loopback, the benchmark's): Loft's runner finds the MX through the test DNS server and delivers
 * to Postfix, which stores the message in its Maildir; a recipient Postfix does not know comes
 * back to the sender as an RFC 3464 report. Skipped without Postfix or root.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { PostfixServer, postfixUnavailable } from '../../bench/lib/postfix-server.ts';
import { mailboxContents } from '../helpers/server.ts';
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
