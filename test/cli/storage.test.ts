/**
 * `--storage postgres://…`: the CLI and `loft serve` on PostgreSQL instead of SQLite, as users
 * run them (separate processes), on a schema of its own in the test database.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openServices } from '../../src/open-services.ts';
import { dropSchema, TEST_DATABASE_URL, testSchema } from '../helpers/postgres.ts';
import { runLoft, serveLoft } from '../helpers/process.ts';
import { sendOne } from '../helpers/smtp-send.ts';

const schema = testSchema('loft_cli');
const storage = `${TEST_DATABASE_URL}?schema=${schema}`;
let dataDir: string;

before(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'loft-pg-cli-'));
});
after(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await dropSchema(schema);
});

test('domain and user commands work on PostgreSQL; serve stores mail there', async () => {
  const loft = (args: string[], input?: string) =>
    runLoft(['--storage', storage, '--data', dataDir, ...args], input);
  assert.equal((await loft(['domain', 'add', 'pg.test'])).code, 0);
  const added = await loft(['user', 'add', 'ann@pg.test', '--password-stdin'], 'pw\n');
  assert.equal(added.code, 0, added.stderr);
  assert.equal((await loft(['domain', 'list'])).stdout, 'pg.test\n');
  assert.equal(
    (await runLoft(['--data', dataDir, 'domain', 'list'])).stdout,
    '',
    'the SQLite default is apart',
  );

  const server = await serveLoft(dataDir, ['smtp'], ['--storage', storage]);
  try {
    assert.equal(
      await sendOne(server.ports.smtp!, 'x@example.com', 'ann@pg.test', 'Subject: via pg\r\n\r\nhi'),
      250,
    );
  } finally {
    await server.stop();
  }
  const services = await openServices(dataDir, { storage });
  try {
    const account = (await services.directory.getAccount('ann@pg.test'))!;
    const inbox = await services.mailboxes.inbox(account.id);
    const [message] = await services.store.listMessages(inbox.id);
    assert.ok(message, 'the message is in the PostgreSQL INBOX');
    assert.match((await services.blobs.read(message.blobId)).toString(), /Subject: via pg/);
  } finally {
    await services.store.close();
  }
});

test('a --storage that is not a postgres:// URL, or a server that is down: one clear line', async () => {
  const bad = await runLoft(['--storage', 'mysql://x', '--data', dataDir, 'domain', 'list']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^loft: --storage mysql:\/\/x: expected a postgres:\/\/ URL\n$/);
  const down = await runLoft([
    '--storage',
    'postgres://root@127.0.0.1:1/test',
    '--data',
    dataDir,
    'domain',
    'list',
  ]);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /database unavailable/);
  assert.doesNotMatch(down.stderr, /\n\s+at /, 'no stack trace');
});
