/**
 * What users depend on: download-and-keep and download-and-delete, \Seen on RETR (configurable),
 * the session's snapshot (new mail waits for the next session), deletions visible to other
 * sessions at QUIT (expunge events), nothing removed when a session ends without QUIT, and UIDL
 * stable across sessions and restarts.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { startLoft } from '../../src/loft.ts';
import { FLAG_BITS } from '../../src/store/store.ts';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { Pop3Dialog } from './dialog.ts';
import { deliver, deliverMany, eventually, inbox, watchInbox } from './support.ts';

const SEEN = FLAG_BITS['\\Seen'];
let server: TestServer;

before(async () => {
  server = await startTestServer();
  await provision(
    server,
    ['loft.test'],
    [
      'keep@loft.test',
      'del@loft.test',
      'snap@loft.test',
      'drop@loft.test',
      'many@loft.test',
      'seen@loft.test',
    ],
  );
});
after(() => server.close());

describe('download-and-keep', () => {
  test('RETR without DELE leaves the message; the next session lists it with the same UIDL', async () => {
    await deliverMany(server, 'keep@loft.test', 2);
    const first = await Pop3Dialog.login(server.ports.pop3!, 'keep@loft.test');
    const uidl1 = (await first.multi('UIDL')).lines;
    await first.multi('RETR 1');
    await first.multi('RETR 2');
    await first.quit(/2 messages left/);
    const second = await Pop3Dialog.login(server.ports.pop3!, 'keep@loft.test');
    assert.deepEqual((await second.multi('UIDL')).lines, uidl1);
    await second.quit();
  });

  test('RETR sets \\Seen (default, as Dovecot); TOP does not', async () => {
    await deliver(server, 'keep@loft.test', 'Subject: third\r\n\r\nx');
    const before = (await inbox(server, 'keep@loft.test')).messages;
    assert.equal(before[2]!.flags & SEEN, 0, 'a new message is unseen');
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'keep@loft.test');
    await pop.multi('TOP 3 0');
    assert.equal(
      (await inbox(server, 'keep@loft.test')).messages[2]!.flags & SEEN,
      0,
      'TOP leaves it unseen',
    );
    await pop.multi('RETR 3');
    await pop.command('NOOP', true);
    assert.equal(
      (await inbox(server, 'keep@loft.test')).messages[2]!.flags & SEEN,
      SEEN,
      'RETR marks it seen',
    );
    await pop.quit();
  });
});

describe('when \\Seen is stored (as Dovecot: after the download, in one commit)', () => {
  const seenUids = async (): Promise<number[]> =>
    (await inbox(server, 'seen@loft.test')).messages.filter((m) => m.flags & SEEN).map((m) => m.uid);

  test('RETRs in a row are stored by the next other command, together', async () => {
    await deliverMany(server, 'seen@loft.test', 3);
    const uids = (await inbox(server, 'seen@loft.test')).messages.map((m) => m.uid);
    const watch = await watchInbox(server, 'seen@loft.test');
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'seen@loft.test');
    await pop.multi('RETR 1');
    // A client downloading one message at a time may pause between RETRs.
    await new Promise((resolve) => setTimeout(resolve, 400));
    await pop.multi('RETR 2');
    await pop.multi('RETR 3');
    assert.deepEqual(await seenUids(), [], 'not yet: the client may still be downloading');
    await pop.command('STAT', true);
    assert.deepEqual(await seenUids(), uids, 'stored before STAT was answered');
    const modseqs = new Set(watch.changes.filter((c) => c.kind === 'flags').map((c) => c.modseq));
    assert.equal(modseqs.size, 1, 'one flag change (one MODSEQ) for the three messages');
    watch.stop();
    await pop.quit();
  });

  test('a connection dropped after RETR still stores \\Seen for what was sent; DELE is forgotten', async () => {
    await deliverMany(server, 'seen@loft.test', 2, 'dropped');
    const { messages } = await inbox(server, 'seen@loft.test');
    const count = messages.length;
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'seen@loft.test');
    await pop.command(`DELE ${count - 1}`, true);
    await pop.multi(`RETR ${count}`);
    pop.close();
    assert.ok(
      await eventually(async () => (await seenUids()).includes(messages[count - 1]!.uid)),
      'the retrieved message got \\Seen when the session ended',
    );
    const after = (await inbox(server, 'seen@loft.test')).messages;
    assert.equal(after.length, count, 'nothing removed');
    assert.equal(after[count - 2]!.flags & SEEN, 0, 'the message deleted and not retrieved stays unseen');
  });
});

describe('download-and-delete', () => {
  test('DELE then QUIT removes the messages and other sessions see the expunge at once', async () => {
    await deliverMany(server, 'del@loft.test', 3);
    const { messages } = await inbox(server, 'del@loft.test');
    const watch = await watchInbox(server, 'del@loft.test');
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'del@loft.test');
    await pop.multi('RETR 1');
    await pop.command('DELE 1', true);
    await pop.command('DELE 3', true);
    await pop.command('NOOP', true);
    assert.ok(!watch.changes.some((c) => c.kind === 'expunge'), 'DELE only marks');
    await pop.quit(/1 messages left/);
    const expunged = watch.changes.filter((c) => c.kind === 'expunge').map((c) => c.uid);
    assert.deepEqual(expunged, [messages[0]!.uid, messages[2]!.uid], 'expunge published when QUIT commits');
    watch.stop();
    const left = (await inbox(server, 'del@loft.test')).messages.map((m) => m.uid);
    assert.deepEqual(left, [messages[1]!.uid]);
  });
});

describe('the session snapshot', () => {
  test('mail delivered during a session waits for the next session; numbers stay fixed', async () => {
    await deliverMany(server, 'snap@loft.test', 2, 'old');
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'snap@loft.test');
    const stat = await pop.command('STAT', true, /^2 /);
    await deliver(server, 'snap@loft.test', 'Subject: new\r\n\r\nnew mail');
    assert.equal((await mailboxContents(server, 'snap@loft.test')).length, 3, 'delivered meanwhile');
    await pop.command('STAT', true, new RegExp(`^${stat.text}$`));
    await pop.command('RETR 3', false, /^No such message/);
    assert.match((await pop.multi('RETR 2')).content.toString(), /Subject: old 2/);
    await pop.command('DELE 1', true);
    await pop.quit();
    const next = await Pop3Dialog.login(server.ports.pop3!, 'snap@loft.test');
    await next.command('STAT', true, /^2 /);
    assert.match((await next.multi('RETR 2')).content.toString(), /Subject: new/);
    await next.quit();
  });
});

describe('sessions that end without QUIT remove nothing (RFC 1939 §6)', () => {
  test('a dropped connection after DELE deletes nothing, and the lock is freed', async () => {
    await deliverMany(server, 'drop@loft.test', 2);
    const watch = await watchInbox(server, 'drop@loft.test');
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'drop@loft.test');
    await pop.command('DELE 1', true);
    await pop.command('DELE 2', true);
    pop.close();
    // The next session gets the lock once the server noticed the drop.
    let next: Pop3Dialog | undefined;
    assert.ok(
      await eventually(async () => {
        const attempt = await Pop3Dialog.greeted(server.ports.pop3!);
        await attempt.command('USER drop@loft.test', true);
        attempt.send('PASS secret');
        const s = await attempt.status();
        if (s?.ok) next = attempt;
        else attempt.close();
        return s?.ok === true;
      }),
    );
    await next!.command('STAT', true, /^2 /);
    await next!.quit();
    assert.equal(watch.changes.filter((c) => c.kind === 'expunge').length, 0);
    watch.stop();
  });

  test('QUIT in AUTHORIZATION state after a failed login removes nothing either', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    await pop.command('USER drop@loft.test', true);
    await pop.command('PASS wrong', false, /\[AUTH\]/);
    await pop.quit();
    assert.equal((await mailboxContents(server, 'drop@loft.test')).length, 2);
  });
});

describe('retr_sets_seen = false', () => {
  test('RETR leaves \\Seen alone', async () => {
    const other = await startTestServer({ pop3: { retr_sets_seen: false } });
    try {
      await provision(other, ['loft.test'], ['alice@loft.test']);
      await deliver(other, 'alice@loft.test', 'Subject: x\r\n\r\ny');
      const pop = await Pop3Dialog.login(other.ports.pop3!, 'alice@loft.test');
      await pop.multi('RETR 1');
      await pop.quit();
      assert.equal((await inbox(other, 'alice@loft.test')).messages[0]!.flags & SEEN, 0);
    } finally {
      await other.close();
    }
  });
});

describe('restarts and shutdown', () => {
  test('UIDL is stable across a restart; shutdown mid-session says so and deletes nothing', async () => {
    const first = await startTestServer();
    const { dataDir, config } = first;
    let second: Awaited<ReturnType<typeof startLoft>> | undefined;
    try {
      await provision(first, ['loft.test'], ['alice@loft.test']);
      await deliverMany(first, 'alice@loft.test', 3);
      const pop = await Pop3Dialog.login(first.ports.pop3!, 'alice@loft.test');
      const uidl = (await pop.multi('UIDL')).lines;
      await pop.command('DELE 2', true);
      const stopping = first.stop();
      await pop.expectErr(/^\[SYS\/TEMP\] Server shutting down/);
      assert.ok(await pop.waitClosed());
      await stopping;

      second = await startLoft(config);
      const again = await Pop3Dialog.login(second.ports.pop3!, 'alice@loft.test');
      assert.deepEqual(
        (await again.multi('UIDL')).lines,
        uidl,
        'same ids after restart; DELE was not applied',
      );
      await again.quit();
    } finally {
      await second?.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('shutdown while waiting for a SASL response answers -ERR [SYS/TEMP] at once', async () => {
    const other = await startTestServer();
    let stopped = false;
    try {
      const pop = await Pop3Dialog.greeted(other.ports.pop3!);
      pop.send('AUTH LOGIN');
      await pop.readLine();
      const stopping = other.stop().then(() => {
        stopped = true;
      });
      await pop.expectErr(/^\[SYS\/TEMP\] Server shutting down/);
      assert.ok(await pop.waitClosed());
      await stopping;
      assert.ok(stopped);
    } finally {
      await rm(other.dataDir, { recursive: true, force: true });
      if (!stopped) await other.stop();
    }
  });
});

describe('downloading a large maildrop (bodies read ahead by windows of 32)', () => {
  test('pipelined in order, then out of order and around deleted messages: every body is its own', async () => {
    await deliverMany(server, 'many@loft.test', 100, 'many');
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'many@loft.test');
    const subject = (content: Buffer) => /Subject: (many \d+)/.exec(content.toString())?.[1];
    for (let n = 1; n <= 100; n++) pop.send(`RETR ${n}`);
    for (let n = 1; n <= 100; n++) assert.equal(subject((await pop.multiline()).content), `many ${n}`);
    await pop.command('DELE 34', true);
    await pop.command('DELE 65', true);
    for (const n of [99, 3, 33, 35, 36, 64, 66, 100, 1]) {
      assert.equal(subject((await pop.multi(`RETR ${n}`)).content), `many ${n}`);
    }
    await pop.command('RETR 34', false);
    await pop.command('RSET', true);
    assert.equal(subject((await pop.multi('RETR 34')).content), 'many 34');
    await pop.quit();
  });
});
