/**
 * Integration tests of the benchmark's moving parts against real servers: the in-Node load
 * generator against Loft in-process, Loft as a separate process, and the Postfix instance
 * (skipped where Postfix is not installed or we are not root).
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runLoad, smtpSourceAvailable } from '../../bench/lib/load.ts';
import { LoftServer } from '../../bench/lib/loft-server.ts';
import { nodeSource } from '../../bench/lib/node-source.ts';
import { PostfixServer, postfixUnavailable } from '../../bench/lib/postfix-server.ts';
import { treeCpuSeconds } from '../../bench/lib/procfs.ts';
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
    assert.equal(loft.countStored(), 0);
    assert.ok(treeCpuSeconds(loft.pid) > 0);
    const generator = smtpSourceAvailable() ? 'smtp-source' : 'node';
    const result = await runLoad(generator, { ...spec, port: loft.port, timeoutMs: 60_000 });
    assert.equal(result.accepted, 12);
    assert.equal(result.failed, 0);
    assert.equal(loft.countStored(), 12);
    await loft.stop();
    assert.equal(loft.running, false);
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
