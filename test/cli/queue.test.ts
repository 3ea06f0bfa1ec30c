/**
 * `loft queue list|show|retry|remove` as users run it (a separate process) while the server
 * runs, on SQLite and on PostgreSQL (`--storage`): per-recipient state, attempts, last error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDnsServer } from '../helpers/dns-server.ts';
import { startFakeServer } from '../helpers/fake-smtp.ts';
import { dropSchema, TEST_DATABASE_URL, testSchema } from '../helpers/postgres.ts';
import { runLoft } from '../helpers/process.ts';
import { provision, startTestServer } from '../helpers/server.ts';
import { B_ZONES, eventually, FAST_QUEUE, submit } from '../queue/support.ts';

async function queueCommands(storage: string | undefined): Promise<void> {
  const probe = await startFakeServer();
  const port = probe.port;
  await probe.close();
  const dns = await startDnsServer(B_ZONES);
  const server = await startTestServer({
    hostname: 'mx.a.test',
    ...(storage ? { storage } : {}),
    dns: { servers: [dns.address], timeout: 1, tries: 1 },
    // The peer is down; the next retry is far away, so the queue holds still for the commands.
    queue: { ...FAST_QUEUE, port, retry_initial: 3600, retry_max: 3600 },
  });
  const loft = (args: string[]) =>
    runLoft([...(storage ? ['--storage', storage] : []), '--data', server.dataDir, 'queue', ...args]);
  try {
    await provision(server, ['a.test'], ['alice@a.test']);
    assert.equal((await loft(['list'])).stdout, 'queue is empty\n');
    assert.equal(
      await submit(server, 'alice@a.test', ['bob@b.test', 'carol@b.test'], 'hi', {
        rcptParams: 'NOTIFY=FAILURE',
      }),
      250,
    );
    const store = server.services.store;
    assert.ok(
      await eventually(
        async () => (await store.listQueue())[0]?.recipients.every((r) => r.attempts === 1) === true,
        10_000,
      ),
    );
    const id = String((await store.listQueue())[0]!.id);

    const list = await loft(['list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^${id}  \\S+  \\d+ octets  <alice@a\\.test>  2/2 pending$`, 'm'));
    assert.match(
      list.stdout,
      /^ {2}bob@b\.test {2}pending {2}attempts=1 {2}next=\S+ {2}last: .*(refused|ECONNREFUSED)/m,
    );
    assert.match(list.stdout, /^ {2}carol@b\.test {2}pending {2}attempts=1/m);

    const show = await loft(['show', id]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^sender: {5}<alice@a\.test>$/m);
    assert.match(
      show.stdout,
      /^ {2}bob@b\.test\n {4}status: {3}pending\n {4}attempts: 1\n {4}next: {5}\S+\n {4}notify: {3}FAILURE\n {4}last: {5}.+$/m,
    );

    const retry = await loft(['retry', id]);
    assert.equal(retry.stdout, '2 recipient(s) due now\n', retry.stderr);
    assert.ok(
      await eventually(
        async () => (await store.listQueue())[0]?.recipients.every((r) => r.attempts === 2) === true,
        10_000,
      ),
      'the running server tried again',
    );
    assert.equal((await loft(['retry'])).stdout, '2 recipient(s) due now\n');

    const removed = await loft(['remove', id]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal((await loft(['list'])).stdout, 'queue is empty\n');
    const gone = await loft(['show', id]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, new RegExp(`no queued message ${id}`));
    const bad = await loft(['remove', 'x1']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /expected a queue id/);
  } finally {
    await server.close();
    await dns.close();
  }
}

test('loft queue on SQLite while the server runs', () => queueCommands(undefined));

test('loft queue --storage postgres://… while the server runs', async () => {
  const schema = testSchema('loft_queue_cli');
  try {
    await queueCommands(`${TEST_DATABASE_URL}?schema=${schema}`);
  } finally {
    await dropSchema(schema);
  }
});
