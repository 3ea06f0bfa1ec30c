/**
 * The exclusive maildrop lock (RFC 1939 §8): a second POP3 session for the same user gets
 * `-ERR [IN-USE]` while the first is open; other users and IMAP-style access (the mailbox
 * service) are not locked out. And the lease itself: renewed while held, lost when taken over,
 * released at the end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '../../src/core/log.ts';
import { MaildropLock } from '../../src/server/pop3/lock.ts';
import { FLAG_BITS } from '../../src/store/store.ts';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { Pop3Dialog } from './dialog.ts';
import { deliverMany, inbox } from './support.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  await provision(server, ['loft.test'], ['alice@loft.test', 'bob@loft.test']);
  await deliverMany(server, 'alice@loft.test', 3);
  await deliverMany(server, 'bob@loft.test', 1);
});
after(() => server.close());

describe('one POP3 session per maildrop', () => {
  test('a second session gets [IN-USE], stays in AUTHORIZATION, and may log in once the first quits', async () => {
    const first = await Pop3Dialog.login(server.ports.pop3!, 'alice@loft.test');
    const second = await Pop3Dialog.greeted(server.ports.pop3!);
    await second.command('USER alice@loft.test', true);
    await second.command('PASS secret', false, /^\[IN-USE\] Maildrop is locked/);
    await second.command('STAT', false, /only valid after login/);
    const plain = Buffer.from('\0alice@loft.test\0secret').toString('base64');
    await second.command(`AUTH PLAIN ${plain}`, false, /^\[IN-USE\]/);
    // Another user is not affected.
    const bob = await Pop3Dialog.login(server.ports.pop3!, 'bob@loft.test');
    await first.quit();
    await second.command(`AUTH PLAIN ${plain}`, true, /^Logged in/);
    await second.command('STAT', true, /^3 /);
    await second.quit();
    await bob.quit();
  });

  test('the mailbox service (as IMAP uses it) is not locked out', async () => {
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'alice@loft.test');
    const { box, messages } = await inbox(server, 'alice@loft.test');
    const mailboxes = server.services.mailboxes;
    assert.equal((await mailboxes.messages(box.id)).length, 3);
    assert.ok((await mailboxes.read(messages[0]!)).length > 0);
    const updates = await mailboxes.setFlags(box.id, [messages[1]!.uid], { add: FLAG_BITS['\\Flagged'] });
    assert.equal(updates.length, 1);
    await pop.command('STAT', true, /^3 /);
    await pop.quit();
  });

  test('a message expunged by another session meanwhile: RETR says so, and the session goes on', async () => {
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'alice@loft.test');
    const { box, messages } = await inbox(server, 'alice@loft.test');
    await server.services.mailboxes.expunge(box.id, [messages[0]!.uid]);
    await pop.command('RETR 1', false, /^Message was removed by another session/);
    await pop.command('TOP 1 0', false, /^Message was removed by another session/);
    await pop.command('DELE 1', true, /deleted/);
    await pop.multi('RETR 2');
    await pop.quit(/2 messages left/);
    assert.equal((await inbox(server, 'alice@loft.test')).messages.length, 2);
  });
});

/** An in-memory lease table with the store's semantics, counting calls. */
function fakeLocks(now: () => number) {
  const held = new Map<string, { owner: string; until: number }>();
  const calls = { lock: 0, unlock: 0 };
  return {
    held,
    calls,
    async lock(name: string, owner: string, leaseMs: number): Promise<boolean> {
      calls.lock++;
      const current = held.get(name);
      if (current && current.owner !== owner && current.until > now()) return false;
      held.set(name, { owner, until: now() + leaseMs });
      return true;
    },
    async unlock(name: string, owner: string): Promise<void> {
      calls.unlock++;
      if (held.get(name)?.owner === owner) held.delete(name);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('MaildropLock', () => {
  test('named pop3:<accountId>, exclusive, renewed while held, released at the end', async () => {
    const store = fakeLocks(Date.now);
    const a = new MaildropLock(store, 7, 60, silentLogger());
    const b = new MaildropLock(store, 7, 60, silentLogger());
    assert.equal(a.name, 'pop3:7');
    assert.notEqual(a.owner, b.owner);
    assert.equal(await a.acquire(), true);
    assert.equal(await b.acquire(), false);
    await sleep(200);
    assert.ok(store.calls.lock >= 4, `renewed on a timer (${store.calls.lock} calls)`);
    assert.equal(await b.acquire(), false, 'still held after several lease periods');
    assert.equal(await a.confirm(), true);
    await a.release();
    assert.equal(a.held, false);
    assert.equal(store.held.has('pop3:7'), false);
    const calls = store.calls.lock;
    await sleep(100);
    assert.equal(store.calls.lock, calls, 'no renewal after release');
    assert.equal(await b.acquire(), true);
    await b.release();
  });

  test('a lease taken over by another owner is noticed: confirm() is false', async () => {
    let clock = 0;
    const store = fakeLocks(() => clock);
    const a = new MaildropLock(store, 1, 1000, silentLogger());
    assert.equal(await a.acquire(), true);
    clock = 5000; // the lease ran out (the process stalled) …
    assert.equal(await store.lock('pop3:1', 'intruder', 1000), true); // … and someone else took it
    assert.equal(await a.confirm(), false);
    assert.equal(a.held, false);
    await a.release();
    assert.equal(store.held.get('pop3:1')?.owner, 'intruder', 'release does not free another owner’s lock');
  });

  test('store errors while confirming count as not holding the lock', async () => {
    const store = fakeLocks(Date.now);
    const a = new MaildropLock(store, 2, 60_000, silentLogger());
    assert.equal(await a.acquire(), true);
    store.lock = async () => {
      throw new Error('database is locked');
    };
    assert.equal(await a.confirm(), false);
    await a.release();
  });
});
