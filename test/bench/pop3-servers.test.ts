/**
 * Integration tests of the POP3 benchmark against real servers: the benchmark session against
 * Loft in-process, the benchmark's Dovecot instance with the same messages (skipped where
 * Dovecot is not installed or we are not root), and a small whole run of `runPop3`.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DovecotServer, dovecotUnavailable } from '../../bench/lib/dovecot-server.ts';
import { nodeSource } from '../../bench/lib/node-source.ts';
import { runPop3Session } from '../../bench/lib/pop3-session.ts';
import { treeCpuSeconds } from '../../bench/lib/procfs.ts';
import { runPop3 } from '../../bench/pop3-retr.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { SmtpDialog } from '../helpers/smtp-dialog.ts';

const USER = 'u1@bench.test';

/** What `runPop3Session` reports as contentDigest for these messages. */
function digestOf(messages: Buffer[]): string {
  const each = messages.map((m) => createHash('sha256').update(m).digest('hex'));
  return createHash('sha256').update(each.sort().join('\n')).digest('hex');
}

/** Loft in-process with 12 generated messages and one whose lines start with dots. */
async function loftWithMail(): Promise<{ server: TestServer; messages: Buffer[] }> {
  const server = await startTestServer();
  await provision(server, ['bench.test'], [USER]);
  const sent = await nodeSource({
    port: server.ports.smtp!,
    sessions: 2,
    messages: 12,
    payloadBytes: 2000,
    from: 'sender@client.test',
    to: USER,
    helo: 'client.test',
    reuseConnections: true,
    replyTimeoutMs: 20_000,
  });
  assert.equal(sent.accepted, 12);
  const smtp = await SmtpDialog.connect(server.ports.smtp!);
  await smtp.expect(220);
  await smtp.command('EHLO client.test', 250);
  await smtp.command('MAIL FROM:<sender@client.test>', 250);
  await smtp.command(`RCPT TO:<${USER}>`, 250);
  await smtp.command('DATA', 354);
  // SMTP dot-stuffing on the way in; Loft stores ".", "..x"; POP3 stuffs them again on the way out.
  smtp.write('Subject: dots\r\n\r\n..\r\n...x\r\nend\r\n.\r\n');
  await smtp.expect(250);
  smtp.close();
  const messages = await mailboxContents(server, USER);
  assert.equal(messages.length, 13);
  assert.ok(messages.some((m) => m.includes('\r\n.\r\n..x\r\n')));
  return { server, messages };
}

describe('the benchmark session against Loft in-process', () => {
  let server: TestServer;
  let messages: Buffer[];
  before(async () => {
    ({ server, messages } = await loftWithMail());
  });
  after(() => server.close());

  for (const depth of [4, 1]) {
    it(`logs in, lists and retrieves every message with the right size (depth ${depth})`, async () => {
      const result = await runPop3Session({
        port: server.ports.pop3!,
        user: USER,
        password: 'secret',
        depth,
        expectedMessages: 13,
        timeoutMs: 20_000,
      });
      assert.deepEqual(result.errors, []);
      assert.equal(result.verified, true);
      assert.equal(result.pipelining, true);
      assert.equal(result.depth, depth);
      assert.equal(result.statCount, 13);
      assert.equal(result.messages, 13);
      const octets = messages.reduce((sum, m) => sum + m.length, 0);
      assert.equal(result.octets, octets);
      assert.equal(result.statOctets, octets);
      assert.equal(result.contentDigest, digestOf(messages));
      assert.ok(result.loginMs > 0 && result.retrSeconds > 0 && result.sessionSeconds >= result.retrSeconds);
    });
  }

  it('leaves the maildrop as it was (QUIT without DELE)', async () => {
    assert.equal((await mailboxContents(server, USER)).length, 13);
  });

  it('fails a session with a wrong password or an unexpected count', async () => {
    const spec = { port: server.ports.pop3!, user: USER, depth: 4, timeoutMs: 20_000 };
    const wrong = await runPop3Session({ ...spec, password: 'nope' });
    assert.equal(wrong.verified, false);
    assert.match(wrong.errors[0] ?? '', /^PASS: -ERR/);
    const count = await runPop3Session({ ...spec, password: 'secret', expectedMessages: 14 });
    assert.equal(count.verified, false);
    assert.match(count.errors[0] ?? '', /STAT counts 13 messages, expected 14/);
  });
});

describe('the benchmark Dovecot instance', { skip: dovecotUnavailable() }, () => {
  let root: string;
  let loft: TestServer | undefined;
  let dovecot: DovecotServer | undefined;
  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'loft-bench-test-'));
    chmodSync(root, 0o755);
  });
  after(async () => {
    await dovecot?.stop();
    await loft?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('serves the bytes Loft stored, the same as Loft does, and stops', { timeout: 120_000 }, async () => {
    const filled = await loftWithMail();
    loft = filled.server;
    dovecot = await DovecotServer.start({ root: path.join(root, 'dovecot'), user: USER, password: 'pw' });
    const master = dovecot.masterPid();
    assert.ok(master !== undefined);
    assert.equal(dovecot.deliver(filled.messages), 13);
    const cpu0 = treeCpuSeconds(master);
    for (const depth of [8, 1]) {
      const result = await runPop3Session({
        port: dovecot.port,
        user: USER,
        password: 'pw',
        depth,
        expectedMessages: 13,
        timeoutMs: 20_000,
      });
      assert.deepEqual(result.errors, []);
      assert.equal(result.verified, true);
      assert.equal(result.messages, 13);
      assert.equal(result.contentDigest, digestOf(filled.messages));
      assert.equal(await dovecot.waitSessionsEnded(10_000), true);
    }
    assert.ok(treeCpuSeconds(master) >= cpu0);
    const wrong = await runPop3Session({
      port: dovecot.port,
      user: USER,
      password: 'x',
      depth: 1,
      timeoutMs: 20_000,
    });
    assert.equal(wrong.verified, false);
    await dovecot.stop();
    assert.equal(dovecot.masterPid(), undefined);
  });
});

describe('runPop3, a small whole run', () => {
  it('fills the maildrop of Loft on both backends, measures each server and verifies every session', {
    timeout: 240_000,
  }, async () => {
    const lines: string[] = [];
    const result = await runPop3({
      servers: ['loft', 'loft-pg', 'dovecot'],
      messages: 30,
      payloadBytes: 3000,
      depth: 8,
      oneAtATime: true,
      repeat: 1,
      generator: 'auto',
      keep: false,
      postgres: TEST_DATABASE_URL,
      log: (line) => lines.push(line),
    });
    const withDovecot = dovecotUnavailable() === undefined;
    assert.deepEqual(
      result.notes.filter((n) => !n.startsWith('Dovecot skipped')),
      [],
    );
    assert.equal(result.maildrop.messages, 30);
    assert.ok(result.maildrop.averageOctets > 3000);
    assert.deepEqual(
      result.rows.map((r) => `${r.server}/${r.phase}/${r.depth}`),
      withDovecot
        ? [
            'loft/first/8',
            'loft-pg/first/8',
            'dovecot/first/8',
            'loft/later/8',
            'loft-pg/later/8',
            'dovecot/later/8',
            'loft/later/1',
            'loft-pg/later/1',
            'dovecot/later/1',
          ]
        : [
            'loft/first/8',
            'loft-pg/first/8',
            'loft/later/8',
            'loft-pg/later/8',
            'loft/later/1',
            'loft-pg/later/1',
          ],
    );
    assert.deepEqual(
      result.loading.map((l) => l.server),
      ['loft', 'loft-pg'],
    );
    assert.match(result.postgres ?? '', /^\d+/);
    for (const row of result.rows) {
      assert.equal(row.verified, true, `${row.server} ${row.phase} ${row.depth}: ${row.error}`);
      assert.equal(row.messages, 30);
      assert.ok(row.cpuMs >= 0 && row.peakRssMb > 0);
    }
    assert.equal(result.sameContent, true);
    assert.ok(lines.some((l) => l.startsWith('loft-pg: filling the maildrop')));
  });
});
