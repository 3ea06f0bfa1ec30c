/**
 * Two Loft servers (as two processes would) on one PostgreSQL database drain one queue: every
 * message reaches a counting remote server exactly once, whichever runner took it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDnsServer } from '../helpers/dns-server.ts';
import { startFakeServer } from '../helpers/fake-smtp.ts';
import { dropSchema, TEST_DATABASE_URL, testSchema } from '../helpers/postgres.ts';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { B_ZONES, eventually, FAST_QUEUE, submit } from './support.ts';

test('two runners on one PostgreSQL database deliver every message exactly once', async (t) => {
  const schema = testSchema('loft_queue_runners');
  const storage = `${TEST_DATABASE_URL}?schema=${schema}`;
  const dns = await startDnsServer(B_ZONES);
  const remote = await startFakeServer();
  const servers: TestServer[] = [];
  try {
    // The messages are queued first by a server without a runner…
    const filler = await startTestServer({ storage, queue: { enabled: false } });
    servers.push(filler);
    await provision(filler, ['a.test'], ['alice@a.test']);
    const total = 30;
    for (let i = 0; i < total; i++) {
      assert.equal(
        await submit(filler, 'alice@a.test', [`bob${i % 3}@b.test`], `message ${i}`, { subject: `n${i}` }),
        250,
      );
    }
    assert.equal((await filler.services.store.listQueue()).length, total);
    // …then two runners start on the same database at once.
    const runners = await Promise.all(
      ['r1.a.test', 'r2.a.test'].map((hostname) =>
        startTestServer({
          hostname,
          storage,
          dns: { servers: [dns.address], timeout: 1, tries: 1 },
          queue: { ...FAST_QUEUE, port: remote.port, concurrency: 3 },
        }),
      ),
    );
    servers.push(...runners);
    assert.ok(await eventually(async () => (await filler.services.store.listQueue()).length === 0, 30_000));
    const subjects = remote.sessions
      .flatMap((s) => s.messages)
      .map((m) => /^Subject: (n\d+)\r$/m.exec(m.toString())?.[1])
      .filter((s) => s !== undefined);
    assert.equal(subjects.length, total, 'as many deliveries as messages');
    assert.equal(new Set(subjects).size, total, 'each message once');
    const byRunner = (name: string) =>
      remote.sessions.filter((s) => s.lines.includes(`EHLO ${name}`) && s.messages.length > 0).length;
    t.diagnostic(`sessions with a message: r1 ${byRunner('r1.a.test')}, r2 ${byRunner('r2.a.test')}`);
  } finally {
    for (const server of servers.reverse()) await server.close();
    await remote.close();
    await dns.close();
    await dropSchema(schema);
  }
});
