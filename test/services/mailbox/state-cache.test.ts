import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { MessageStates } from '../../../src/core/message-states.ts';
import { type LoftServices, openServices } from '../../../src/open-services.ts';
import { MailboxService } from '../../../src/services/mailbox/mailbox.ts';
import type { Store } from '../../../src/store/store.ts';

let dir: string;
let s: LoftServices;
let inbox: number;
/** The UID counts of each `getMessages` call made by `service`, and `all` for each whole-mailbox read. */
let reads: (number | 'all')[] = [];
let service: MailboxService;
const MESSAGES = 300;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'loft-statecache-'));
  s = await openServices(dir);
  await s.directory.addDomain('c.test');
  const account = await s.directory.addUser('u@c.test', 'pw');
  inbox = (await s.mailboxes.inbox(account.id)).id;
  for (let n = 0; n < MESSAGES; n++)
    await s.delivery.append(inbox, Buffer.from(`Subject: ${n}\r\n\r\nx\r\n`));
  // The real store, recording how many rows the service reads from it.
  const counting = new Proxy(s.store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key === 'getMessages')
        return (mailboxId: number, uids: readonly number[]) => {
          reads.push(uids.length);
          return target.getMessages(mailboxId, uids);
        };
      if (key === 'readMessageStates')
        return (mailboxId: number) => {
          reads.push('all');
          return target.readMessageStates(mailboxId);
        };
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Store;
  service = new MailboxService({ store: counting, blobs: s.blobs, events: s.events });
});
after(async () => {
  await s.store.close();
  await rm(dir, { recursive: true, force: true });
});

/** What storage says of every message, as states. */
async function truth(): Promise<object[]> {
  const uids = await s.store.listUids(inbox);
  return (await s.store.getMessages(inbox, uids)).map(
    ({ uid, flags, keywords, modseq, size, internalDate }) => ({
      uid,
      flags,
      keywords,
      modseq,
      size,
      internalDate,
    }),
  );
}

function plain(states: MessageStates): object[] {
  return Array.from({ length: states.length }, (_, i) => states.row(i));
}

async function all(): Promise<object[]> {
  return plain(await service.messageStates(inbox, await s.store.listUids(inbox)));
}

test('a large fetch reads the mailbox once, then nothing while nothing changes', async () => {
  reads = [];
  assert.deepEqual(await all(), await truth());
  assert.deepEqual(await all(), await truth());
  assert.deepEqual(reads, ['all'], 'one read of the whole mailbox, then none');
});

test('flag and keyword changes, deliveries and expunges come as events: only those are read again', async () => {
  await all();
  reads = [];
  await s.mailboxes.setFlags(inbox, [7], { add: 4 });
  await s.mailboxes.setFlags(inbox, [9], { addKeywords: ['$Label1'] });
  await s.delivery.append(inbox, Buffer.from('Subject: new\r\n\r\ny\r\n'));
  await s.mailboxes.expunge(inbox, [3, 4]);
  const states = await all();
  assert.deepEqual(states, await truth());
  assert.deepEqual(reads, [5], 'the five changed UIDs, in one read');
  assert.ok(!states.some((m) => (m as { uid: number }).uid === 3));
});

test('a change made without an event is noticed by its MODSEQ, even when an event follows it', async () => {
  await all();
  await s.store.updateFlags(inbox, [10], { add: 2 }); // straight to the store: no event
  assert.deepEqual(await all(), await truth(), 'HIGHESTMODSEQ is ahead of the cache: read again');
  await all();
  await s.store.updateFlags(inbox, [11], { add: 2 }); // no event…
  await s.mailboxes.setFlags(inbox, [12], { add: 2 }); // …then one whose MODSEQ skips it
  assert.deepEqual(await all(), await truth());
});

test('a few UIDs are read from storage each time and start no cache; a subset of a cached mailbox is exact', async () => {
  reads = [];
  const fresh = new MailboxService({ store: s.store, blobs: s.blobs, events: s.events });
  const few = plain(await fresh.messageStates(inbox, [1, 2, 5]));
  assert.deepEqual(
    few.map((m) => (m as { uid: number }).uid),
    [1, 2, 5],
  );
  await all();
  const uids = (await s.store.listUids(inbox)).filter((uid) => uid % 7 === 0);
  const truthByUid = new Map((await truth()).map((m) => [(m as { uid: number }).uid, m]));
  assert.deepEqual(
    plain(await service.messageStates(inbox, uids)),
    uids.map((uid) => truthByUid.get(uid)),
  );
  assert.deepEqual(plain(await service.messageStates(inbox, [99_999])), [], 'an unknown UID is left out');
});

test('concurrent fetches while messages change all see a state at least as new as when they asked', async () => {
  await all();
  const uids = await s.store.listUids(inbox);
  const work: Promise<unknown>[] = [];
  for (let i = 0; i < 20; i++) {
    work.push(s.mailboxes.setFlags(inbox, [uids[i]!], { add: 1 }));
    work.push(service.messageStates(inbox, uids));
  }
  await Promise.all(work);
  assert.deepEqual(await all(), await truth());
});
