/**
 * A crash mid-delivery: `loft serve` is killed (SIGKILL) while the remote server holds the
 * message without answering the end of DATA. After a restart on the same data folder, the lease
 * of the dead runner expires and the message is delivered: at least once, never lost.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startDnsServer } from '../helpers/dns-server.ts';
import { startFakeServer } from '../helpers/fake-smtp.ts';
import { runLoft, serveLoft } from '../helpers/process.ts';
import { B_ZONES, eventually, submit } from './support.ts';

test('a runner killed mid-delivery: after a restart the expired lease is taken again and the message delivered', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'loft-crash-'));
  const dns = await startDnsServer(B_ZONES);
  let hang = true;
  let acknowledged = 0;
  const remote = await startFakeServer({
    afterData: () => {
      if (hang) return null;
      acknowledged++;
      return '250 2.0.0 accepted';
    },
  });
  const config = path.join(dataDir, 'loft.toml');
  await writeFile(
    config,
    [
      'hostname = "mx.a.test"',
      '[auth]',
      'failure_delay = 0',
      '[dns]',
      `servers = ["${dns.address}"]`,
      '[queue]',
      `port = ${remote.port}`,
      'lease = 2',
      'poll_interval = 0.2',
      'retry_initial = 0.3',
      'retry_factor = 1',
    ].join('\n'),
  );
  try {
    assert.equal((await runLoft(['--data', dataDir, 'domain', 'add', 'a.test'])).code, 0);
    const added = await runLoft(
      ['--data', dataDir, 'user', 'add', 'alice@a.test', '--password-stdin'],
      'secret\n',
    );
    assert.equal(added.code, 0, added.stderr);

    const first = await serveLoft(dataDir, ['submission'], ['--config', config]);
    try {
      assert.equal(await submit(first, 'alice@a.test', ['bob@b.test'], 'survive the crash'), 250);
      assert.ok(
        await eventually(() => remote.sessions.some((s) => s.messages.length > 0), 10_000),
        'the content reached the remote server, which holds the reply back',
      );
    } finally {
      await first.stop('SIGKILL');
    }
    const listed = await runLoft(['--data', dataDir, 'queue', 'list']);
    assert.match(listed.stdout, /bob@b\.test {2}pending {2}attempts=0/, 'still queued after the crash');

    hang = false;
    const second = await serveLoft(dataDir, ['submission'], ['--config', config]);
    try {
      assert.ok(await eventually(() => acknowledged === 1, 15_000), 'delivered after the restart');
      assert.ok(
        await eventually(
          async () => (await runLoft(['--data', dataDir, 'queue', 'list'])).stdout === 'queue is empty\n',
          10_000,
        ),
      );
      const contents = remote.sessions.flatMap((s) => s.messages).filter((m) => m.length > 0);
      assert.equal(contents.length, 2, 'sent twice: once into the crash, once for good');
      assert.match(contents[1]!.toString(), /survive the crash/);
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(acknowledged, 1, 'and acknowledged once');
    } finally {
      await second.stop();
    }
  } finally {
    await remote.close();
    await dns.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
