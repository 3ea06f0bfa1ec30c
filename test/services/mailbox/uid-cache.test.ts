import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type LoftServices, openServices } from '../../../src/open-services.ts';
import { MailboxService } from '../../../src/services/mailbox/mailbox.ts';
import type { Store } from '../../../src/store/store.ts';

let dir: string;
let s: LoftServices;
let inbox: number;
let reads = 0;
let service: MailboxService;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'loft-uidcache-'));
  s = await openServices(dir);
  await s.directory.addDomain('c.test');
  const account = await s.directory.addUser('u@c.test', 'pw');
  inbox = (await s.mailboxes.inbox(account.id)).id;
  // The real store, counting how often the UID list is read from it.
  const counting = new Proxy(s.store, {
    get(target, key, receiver) {
      if (key === 'listUids') reads++;
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Store;
  service = new MailboxService({ store: counting, blobs: s.blobs, events: s.events });
});
after(async () => {
  await s.store.close();
  await rm(dir, { recursive: true, force: true });
});

const message = (n: number) => Buffer.from(`Subject: ${n}\r\n\r\nx\r\n`);

test('the UID list is read once, then kept current by events', async () => {
  for (let n = 0; n < 5; n++) await s.delivery.append(inbox, message(n));
  reads = 0;
  assert.deepEqual((await service.uidList(inbox)).toArray(), [1, 2, 3, 4, 5]);
  assert.deepEqual((await service.uidList(inbox)).toArray(), [1, 2, 3, 4, 5]);
  assert.equal(reads, 1, 'the second SELECT is served from the cache');
  await s.delivery.append(inbox, message(6));
  await s.mailboxes.expunge(inbox, [2]);
  await s.mailboxes.setFlags(inbox, [3], { add: 1 });
  assert.deepEqual((await service.uidList(inbox)).toArray(), [1, 3, 4, 5, 6]);
  assert.equal(reads, 1, 'deliveries, expunges and flag changes came as events');
});

test('a change the cache did not hear of (no event) is noticed by its MODSEQ and read again', async () => {
  const before = (await service.uidList(inbox)).toArray();
  reads = 0;
  await s.store.expunge(inbox, [before[0]!]); // straight to the store: no event is published
  assert.deepEqual((await service.uidList(inbox)).toArray(), before.slice(1));
  assert.equal(reads, 1);
});

test('a change without an event followed by one with an event is noticed (the MODSEQ skips one)', async () => {
  const before = (await service.uidList(inbox)).toArray();
  reads = 0;
  await s.store.expunge(inbox, [before[0]!]); // no event…
  await s.mailboxes.setFlags(inbox, [before[1]!], { add: 4 }); // …then one whose MODSEQ skips it
  assert.deepEqual((await service.uidList(inbox)).toArray(), before.slice(1));
  assert.equal(reads, 1);
});

test('the list handed out is the caller’s own: changing it does not touch the cache', async () => {
  const mine = await service.uidList(inbox);
  mine.remove(mine.toArray());
  assert.ok((await service.uidList(inbox)).length > 0);
});
