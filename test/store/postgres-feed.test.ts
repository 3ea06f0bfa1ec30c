/**
 * Mailbox changes between processes on one PostgreSQL database (LISTEN/NOTIFY): two stores on
 * one schema stand for two processes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { type MailboxChange, MailboxEvents } from '../../src/core/events.ts';
import { decodeNotification } from '../../src/store/postgres/change-feed.ts';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { dropSchema, TEST_DATABASE_URL, testSchema } from '../helpers/postgres.ts';

const schema = testSchema('loft_feed');
let a: PostgresStore;
let b: PostgresStore;
const eventsB = new MailboxEvents();
let inbox: number;
let blobs = 0;

before(async () => {
  a = await PostgresStore.open(TEST_DATABASE_URL, { schema, max: 2 });
  b = await PostgresStore.open(TEST_DATABASE_URL, { schema, max: 2 });
  await b.watch(eventsB);
  const domain = await a.addDomain('feed.test');
  const account = await a.addAccount({
    address: 'u@feed.test',
    domainId: domain.id,
    passwordHash: 'h',
    scram: undefined,
    mailboxes: [{ name: 'INBOX', specialUse: undefined }],
  });
  inbox = (await a.getMailbox(account.id, 'INBOX'))!.id;
});
after(async () => {
  await a.close();
  await b.close();
  await dropSchema(schema);
});

function deliver(store: PostgresStore) {
  blobs++;
  const blob = {
    id: `20260101-0000-feed${String(blobs).padStart(20, '0')}`,
    size: 1,
    inline: Buffer.from('x'),
  };
  return store.commitDelivery({ blob, structure: '{}', internalDate: 1, placements: [{ mailboxId: inbox }] });
}

/** Collects `eventsB`'s changes of the INBOX until `done` says enough (or 5 s pass). */
async function changesUntil(done: (seen: MailboxChange[]) => boolean, action: () => Promise<unknown>) {
  const seen: MailboxChange[] = [];
  let wake = () => {};
  const off = eventsB.subscribe(inbox, (change) => {
    seen.push(change);
    wake();
  });
  try {
    await action();
    const deadline = Date.now() + 5000;
    while (!done(seen) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    return seen;
  } finally {
    off();
  }
}

test('a commit in one process reaches the other; its own changes are not echoed', async () => {
  const seen = await changesUntil(
    (s) => s.length >= 1,
    () => deliver(a),
  );
  assert.equal(seen[0]?.kind, 'append');
  const own = await changesUntil(
    (s) => s.length >= 1,
    () => deliver(b),
  );
  assert.deepEqual(own, [], 'b does not hear its own delivery (its services publish it locally)');
});

test('concurrent deliveries, committed in batches, all reach the other process with their UIDs', async () => {
  const placed: number[] = [];
  const seen = await changesUntil(
    (s) => s.length >= 40,
    async () => {
      const results = await Promise.all(Array.from({ length: 40 }, () => deliver(a)));
      placed.push(...results.map((r) => r.placed[0]!.uid));
    },
  );
  assert.deepEqual(seen.map((c) => `${c.kind} ${c.uid}`).sort(), placed.map((uid) => `append ${uid}`).sort());
});

test('flags, expunge and move reach the other process with their UIDs and MODSEQs', async () => {
  const placed = (await deliver(a)).placed[0]!;
  const seen = await changesUntil(
    (s) => s.some((c) => c.kind === 'expunge'),
    async () => {
      await a.updateFlags(inbox, [placed.uid], { add: 1 });
      await a.expunge(inbox, [placed.uid]);
    },
  );
  const flags = seen.find((c) => c.kind === 'flags');
  const gone = seen.find((c) => c.kind === 'expunge');
  assert.equal(flags?.uid, placed.uid);
  assert.ok(flags!.modseq > placed.modseq);
  assert.equal(gone?.uid, placed.uid);
  assert.ok(gone!.modseq > flags!.modseq);
});

test('a large flag change is split over several notifications, none lost', async () => {
  const uids: number[] = [];
  for (let i = 0; i < 600; i++) uids.push((await deliver(a)).placed[0]!.uid);
  const seen = await changesUntil(
    (s) => s.filter((c) => c.kind === 'flags').length >= 600,
    () => a.updateFlags(inbox, uids, { add: 4 }),
  );
  assert.deepEqual(
    seen.filter((c) => c.kind === 'flags').map((c) => c.uid),
    uids,
  );
});

test('a lost listening connection comes back by itself and asks for a resync', async () => {
  const seen = await changesUntil(
    (s) => s.some((c) => c.kind === 'resync'),
    async () => {
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      // The listening backends of this schema's channel: end them all, as a restart would.
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1 AND pid <> pg_backend_pid()`,
        [`LISTEN "loft_changes_${schema}"`],
      );
      await admin.end();
    },
  );
  assert.ok(
    seen.some((c) => c.kind === 'resync'),
    `resync expected, got ${JSON.stringify(seen)}`,
  );
  // And it listens again.
  const again = await changesUntil(
    (s) => s.some((c) => c.kind === 'append'),
    () => deliver(a),
  );
  assert.ok(again.some((c) => c.kind === 'append'));
});

test('decodeNotification skips its own origin and malformed payloads', () => {
  assert.deepEqual(decodeNotification('{"o":"me","c":[["a",1,2,3]]}', 'me'), []);
  assert.deepEqual(decodeNotification('{"o":"x","c":[["a",1,2,3],["?",1,2,3],["f","1",2,3]]}', 'me'), [
    { kind: 'append', mailboxId: 1, uid: 2, modseq: 3 },
  ]);
  assert.deepEqual(decodeNotification('not json', 'me'), []);
});

test('a directory change by another process reaches the directory version of a store following the feed', async () => {
  const before = await b.directoryVersion();
  assert.equal(await b.directoryVersion(), before, 'mail alone changes nothing');
  await deliver(a);
  assert.equal(await b.directoryVersion(), before, 'a delivery changes nothing');
  await a.addAlias('feed-alias@feed.test', 'u@feed.test');
  try {
    const deadline = Date.now() + 5000;
    while ((await b.directoryVersion()) === before && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.notEqual(await b.directoryVersion(), before, 'the notification arrived');
  } finally {
    await a.removeAlias('feed-alias@feed.test');
  }
});
