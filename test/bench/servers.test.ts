/**
 * Integration tests of the benchmark's moving parts against real servers: the in-Node load
 * generator against Loft in-process, Loft as a separate process on SQLite and on PostgreSQL
 * (with the CPU of its database backends), and the Postfix instance (skipped where Postfix is
 * not installed or we are not root).
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { runLoad, smtpSourceAvailable } from '../../bench/lib/load.ts';
import { LoftServer } from '../../bench/lib/loft-server.ts';
import { nodeSource } from '../../bench/lib/node-source.ts';
import { BackendCpu } from '../../bench/lib/pg-backends.ts';
import { PostfixServer, postfixUnavailable } from '../../bench/lib/postfix-server.ts';
import { BenchSchema } from '../../bench/lib/postgres.ts';
import { treeCpuSeconds } from '../../bench/lib/procfs.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';

const spec = {
  sessions: 3,
  messages: 12,
  payloadBytes: 3000,
  from: 'sender@client.test',
  to: 'u1@bench.test',
  helo: 'client.test',
  reuseConnections: false,
  replyTimeoutMs: 20_000,
};

describe('nodeSource against Loft in-process', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await provision(server, ['bench.test'], ['u1@bench.test']);
  });
  after(() => server.close());

  it('counts a 250 for each stored message, one connection per message', async () => {
    const outcome = await nodeSource({ ...spec, port: server.ports.smtp! });
    assert.deepEqual(outcome, { accepted: 12, failed: 0, errors: [] });
    const stored = await mailboxContents(server, 'u1@bench.test');
    assert.equal(stored.length, 12);
    assert.ok(stored.every((m) => m.length > 3000));
  });

  it('reuses connections when asked', async () => {
    const outcome = await nodeSource({ ...spec, port: server.ports.smtp!, reuseConnections: true });
    assert.equal(outcome.accepted, 12);
    assert.equal((await mailboxContents(server, 'u1@bench.test')).length, 24);
  });

  it('counts refusals as failures, not acceptances', async () => {
    const outcome = await nodeSource({ ...spec, port: server.ports.smtp!, to: 'nobody@bench.test' });
    assert.equal(outcome.accepted, 0);
    assert.equal(outcome.failed, 12);
    assert.match(outcome.errors[0] ?? '', /RCPT: expected 250, got 5/);
  });
});

describe('Loft as a separate process', () => {
  let root: string;
  let loft: LoftServer | undefined;
  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'loft-bench-test-'));
  });
  after(async () => {
    await loft?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('starts provisioned, stores what it acknowledges, and stops', { timeout: 120_000 }, async () => {
    loft = await LoftServer.start({ root, domain: 'bench.test', users: ['u1@bench.test'] });
    assert.equal(await loft.countStored(), 0);
    assert.ok(treeCpuSeconds(loft.pid) > 0);
    const generator = smtpSourceAvailable() ? 'smtp-source' : 'node';
    const result = await runLoad(generator, { ...spec, port: loft.port, timeoutMs: 60_000 });
    assert.equal(result.accepted, 12);
    assert.equal(result.failed, 0);
    assert.equal(await loft.countStored(), 12);
    await loft.stop();
    assert.equal(loft.running, false);
  });
});

/** Whether `schema` exists in the test database. */
async function schemaExists(schema: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [
      schema,
    ]);
    return rows.length > 0;
  } finally {
    await client.end();
  }
}

describe('Loft on PostgreSQL as a separate process', () => {
  let root: string;
  let schema: BenchSchema;
  let loft: LoftServer | undefined;
  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'loft-bench-test-'));
    schema = await BenchSchema.create(TEST_DATABASE_URL, 'loft_test');
  });
  after(async () => {
    await loft?.stop();
    await schema.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it('stores in its schema what it acknowledges, and reads it back from there', {
    timeout: 120_000,
  }, async () => {
    assert.match(schema.serverVersion, /^\d+/);
    loft = await LoftServer.start({
      root,
      domain: 'bench.test',
      users: ['u1@bench.test'],
      storage: schema.storage,
    });
    assert.equal(loft.storage, schema.storage);
    assert.equal(await schemaExists(schema.name), true);
    assert.equal(await loft.countStored(), 0);
    const result = await nodeSource({ ...spec, port: loft.port });
    assert.equal(result.accepted, 12);
    assert.equal(await loft.countStored(), 12);
    assert.equal(await loft.waitIndexed(12, 60_000), true);
    const inbox = await loft.readInbox('u1@bench.test');
    assert.equal(inbox.length, 12);
    assert.ok(inbox.every((m) => m.length > 3000 && m.includes('Received: ')));
    assert.equal(existsSync(path.join(loft.dataDir, 'loft.db')), false, 'no SQLite database beside it');
    // Its CPU counts the database backends serving it on top of its own process.
    assert.ok(loft.cpuSeconds() >= treeCpuSeconds(loft.pid));
    await loft.stop();
    assert.equal(loft.running, false);
    await schema.drop();
    assert.equal(await schemaExists(schema.name), false);
  });
});

describe('BackendCpu', () => {
  it('counts the CPU of the backends serving one application_name, not the others', async () => {
    const name = `loft_test_cpu_${process.pid}`;
    const worker = new pg.Client({ connectionString: TEST_DATABASE_URL, application_name: name });
    const other = new pg.Client({ connectionString: TEST_DATABASE_URL, application_name: `${name}_other` });
    await Promise.all([worker.connect(), other.connect()]);
    // Started after both connected, the meter knows the worker's backend from its first poll.
    const meter = await BackendCpu.start(TEST_DATABASE_URL, name);
    try {
      const busy = 'SELECT count(*) FROM generate_series(1, 4000000) AS g WHERE g % 7 = 0';
      const start = meter.cpuSeconds();
      await other.query(busy);
      assert.equal(meter.cpuSeconds(), start, "the other client's work is not counted");
      await worker.query(busy);
      const after = meter.cpuSeconds();
      assert.ok(after > start, `the worker's query counted (${start} → ${after} s)`);
      // An ended backend keeps its last reading: the running total never goes back.
      await worker.end();
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.ok(meter.cpuSeconds() >= after);
    } finally {
      await meter.stop();
      await other.end();
    }
  });
});

describe('the benchmark Postfix instance', { skip: postfixUnavailable() }, () => {
  let root: string;
  let postfix: PostfixServer | undefined;
  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'loft-bench-test-'));
  });
  after(async () => {
    await postfix?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('accepts, delivers into the Maildir, drains its queue and stops', { timeout: 120_000 }, async () => {
    chmodSync(root, 0o755);
    postfix = await PostfixServer.start({ root: path.join(root, 'pf'), domain: 'bench.test', users: ['u1'] });
    const master = postfix.masterPid();
    assert.ok(master !== undefined);
    const outcome = await nodeSource({ ...spec, port: postfix.port });
    assert.equal(outcome.accepted, 12);
    assert.equal(await postfix.waitDelivered(12, 60_000), true);
    assert.equal(postfix.countDelivered(), 12);
    assert.equal(postfix.queued(), 0);
    const refused = await nodeSource({ ...spec, port: postfix.port, messages: 1, to: 'u1@elsewhere.test' });
    assert.equal(refused.accepted, 0);
    await postfix.stop();
    assert.equal(postfix.masterPid(), undefined);
  });
});
