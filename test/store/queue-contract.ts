/**
 * The outbound queue's part of the storage contract: leases for several runners, outcomes,
 * retry and removal. Each test uses a fresh store (a claim takes whatever is due).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isLoftError } from '../../src/core/errors.ts';
import type { BlobRef } from '../../src/store/blob/blob-store.ts';
import type { QueueRecipientInput, Store } from '../../src/store/store.ts';

export interface QueueStoreFactory {
  makeStore(): Promise<Store>;
  /** A second store on the same database (another process, or another thread). */
  reopen(store: Store): Promise<Store>;
  cleanup(store: Store): Promise<void>;
}

let counter = 0;
function fakeBlob(size = 100): BlobRef {
  counter++;
  return { id: `20260102-0000-${String(counter).padStart(24, '0')}`, size };
}

async function enqueue(
  store: Store,
  recipients: (string | QueueRecipientInput)[],
  at = Date.now(),
  inline?: Buffer,
): Promise<{ id: number; blob: BlobRef }> {
  const blob = inline ? { ...fakeBlob(inline.length), inline } : fakeBlob();
  const result = await store.commitDelivery({
    blob,
    structure: '{}',
    internalDate: at,
    placements: [],
    queue: {
      sender: 'me@here.test',
      recipients: recipients.map((r) => (typeof r === 'string' ? { address: r } : r)),
      blob,
      blobOffset: 0,
      requireTls: false,
      smtpUtf8: false,
      eightBit: false,
    },
  });
  return { id: result.queueId!, blob };
}

function notFound(err: unknown): boolean {
  assert.ok(isLoftError(err));
  assert.equal(err.code, 'NOTFOUND');
  return true;
}

export function queueContract(name: string, factory: QueueStoreFactory): void {
  describe(`queue contract: ${name}`, () => {
    async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
      const store = await factory.makeStore();
      try {
        await fn(store);
      } finally {
        await factory.cleanup(store);
      }
    }

    test('claim: due recipients grouped by message and domain, leased once; an expired lease is claimable again', () =>
      withStore(async (store) => {
        const now = Date.now();
        const m1 = await enqueue(store, ['a@x.example', 'b@X.example', 'c@y.example'], now);
        const m2 = await enqueue(store, ['d@x.example'], now);
        const batches = await store.claimQueue(now, 60_000, 10);
        assert.deepEqual(
          batches
            .map((b) => [b.message.id, b.domain, b.recipients.map((r) => r.address)] as const)
            .sort((p, q) => p[0] - q[0] || p[1].localeCompare(q[1])),
          [
            [m1.id, 'x.example', ['a@x.example', 'b@X.example']],
            [m1.id, 'y.example', ['c@y.example']],
            [m2.id, 'x.example', ['d@x.example']],
          ],
        );
        assert.ok(batches.every((b) => b.leaseUntil === now + 60_000));
        assert.equal(batches[0]!.message.sender, 'me@here.test');
        assert.deepEqual(await store.claimQueue(now + 1000, 60_000, 10), [], 'leased: nobody else gets them');
        const again = await store.claimQueue(now + 60_000, 60_000, 10);
        assert.equal(again.length, 3, 'the lease expired (a crashed runner): claimable again');
        assert.deepEqual(await store.claimQueue(now + 60_001, 60_000, 1), []);
      }));

    test('claim: at most `limit` groups; not before the next attempt time', () =>
      withStore(async (store) => {
        const now = Date.now();
        for (let i = 0; i < 5; i++) await enqueue(store, [`r${i}@z.example`], now);
        assert.equal((await store.claimQueue(now, 1000, 2)).length, 2);
        assert.equal((await store.claimQueue(now, 1000, 10)).length, 3);
        assert.deepEqual(await store.claimQueue(now - 10_000, 1000, 10), [], 'not yet due');
      }));

    test('outcomes: delivered, failed, retry later with the error; the message goes when none is pending', () =>
      withStore(async (store) => {
        const now = Date.now();
        const m = await enqueue(store, ['a@x.example', 'b@x.example', 'c@x.example'], now);
        const [batch] = await store.claimQueue(now, 60_000, 10);
        const [a, b, c] = batch!.recipients;
        const first = await store.recordQueueOutcomes(m.id, batch!.leaseUntil, [
          { recipientId: a!.id, status: 'delivered', detail: '250 ok' },
          { recipientId: b!.id, status: 'failed', error: '550 5.1.1 no such user' },
          {
            recipientId: c!.id,
            status: 'retry',
            at: now + 5000,
            error: '451 4.3.0 later',
            delayNotified: true,
          },
        ]);
        assert.deepEqual(first, { applied: 3, removed: false, orphanBlobs: [] });
        const queued = (await store.getQueued(m.id))!;
        assert.deepEqual(
          queued.recipients.map((r) => [r.status, r.attempts, r.lastError, r.delayNotified]),
          [
            ['delivered', 1, '250 ok', false],
            ['failed', 1, '550 5.1.1 no such user', false],
            ['pending', 1, '451 4.3.0 later', true],
          ],
        );
        assert.equal(queued.recipients[2]!.nextAttemptAt, now + 5000);
        assert.equal(await store.nextQueueDue(), now + 5000);
        assert.deepEqual(await store.claimQueue(now + 4999, 60_000, 10), []);
        const [retry] = await store.claimQueue(now + 5000, 60_000, 10);
        assert.deepEqual(
          retry!.recipients.map((r) => r.address),
          ['c@x.example'],
        );
        const last = await store.recordQueueOutcomes(m.id, retry!.leaseUntil, [
          { recipientId: c!.id, status: 'delivered' },
        ]);
        assert.equal(last.removed, true);
        assert.deepEqual(last.orphanBlobs, [m.blob.id], 'the body is no longer referenced');
        assert.equal(await store.getQueued(m.id), undefined);
        assert.equal(await store.isBlobReferenced(m.blob.id), false);
        assert.equal(await store.nextQueueDue(), undefined);
      }));

    test('a message with an inline body: removed with its last outcome, no file for the caller to remove', () =>
      withStore(async (store) => {
        const now = Date.now();
        const m = await enqueue(store, ['a@x.example'], now, Buffer.from('Subject: x\r\n\r\nbody\r\n'));
        const [batch] = await store.claimQueue(now, 60_000, 10);
        const done = await store.recordQueueOutcomes(m.id, batch!.leaseUntil, [
          { recipientId: batch!.recipients[0]!.id, status: 'delivered' },
        ]);
        assert.deepEqual(done, { applied: 1, removed: true, orphanBlobs: [] });
        assert.equal(await store.isBlobReferenced(m.blob.id), false);
        assert.equal(await store.readInlineBody(m.blob.id), undefined);
      }));

    test('outcomes under a lost lease are ignored (another runner took the recipients)', () =>
      withStore(async (store) => {
        const now = Date.now();
        const m = await enqueue(store, ['a@x.example'], now);
        const [old] = await store.claimQueue(now, 1000, 10);
        const [taken] = await store.claimQueue(now + 1000, 60_000, 10);
        const id = taken!.recipients[0]!.id;
        const stale = await store.recordQueueOutcomes(m.id, old!.leaseUntil, [
          { recipientId: id, status: 'retry', at: now + 99_000, error: 'stale' },
        ]);
        assert.equal(stale.applied, 0);
        assert.equal(stale.removed, false);
        const queued = (await store.getQueued(m.id))!;
        assert.equal(queued.recipients[0]!.lastError, undefined);
        assert.equal(queued.recipients[0]!.attempts, 0);
        const done = await store.recordQueueOutcomes(m.id, taken!.leaseUntil, [
          { recipientId: id, status: 'delivered' },
        ]);
        assert.equal(done.applied, 1);
        assert.equal(done.removed, true);
      }));

    test('a renewed lease holds longer and is the new token for outcomes', () =>
      withStore(async (store) => {
        const now = Date.now();
        const m = await enqueue(store, ['a@x.example', 'b@x.example'], now);
        const [batch] = await store.claimQueue(now, 1000, 10);
        const ids = batch!.recipients.map((r) => r.id);
        assert.equal(await store.renewQueueLease(ids, batch!.leaseUntil, now + 60_000), 2);
        assert.deepEqual(
          await store.claimQueue(now + 5000, 1000, 10),
          [],
          'still leased after the first lease time',
        );
        assert.equal(
          await store.renewQueueLease(ids, batch!.leaseUntil, now + 90_000),
          0,
          'the old token no longer holds',
        );
        const stale = await store.recordQueueOutcomes(m.id, batch!.leaseUntil, [
          { recipientId: ids[0]!, status: 'delivered' },
        ]);
        assert.equal(stale.applied, 0);
        const done = await store.recordQueueOutcomes(
          m.id,
          now + 60_000,
          ids.map((id) => ({ recipientId: id, status: 'delivered' as const })),
        );
        assert.deepEqual([done.applied, done.removed], [2, true]);
      }));

    test('retry makes pending recipients due now; remove drops the message; NOTFOUND for unknown ids', () =>
      withStore(async (store) => {
        const now = Date.now();
        const m1 = await enqueue(store, ['a@x.example'], now);
        const m2 = await enqueue(store, ['b@x.example', 'c@y.example'], now);
        for (const batch of await store.claimQueue(now, 1000, 10)) {
          await store.recordQueueOutcomes(
            batch.message.id,
            batch.leaseUntil,
            batch.recipients.map((r) => ({
              recipientId: r.id,
              status: 'retry' as const,
              at: now + 3_600_000,
              error: 'e',
            })),
          );
        }
        assert.deepEqual(await store.claimQueue(now + 2000, 1000, 10), []);
        assert.equal(await store.retryQueue(m2.id, now + 2000), 2);
        assert.deepEqual(
          (await store.claimQueue(now + 2000, 1000, 10)).map((b) => b.message.id),
          [m2.id, m2.id],
        );
        assert.equal(await store.retryQueue(undefined, now + 5000), 3);
        await assert.rejects(store.retryQueue(999_999, now), notFound);
        const removed = await store.removeQueued(m1.id);
        assert.deepEqual(removed.orphanBlobs, [m1.blob.id]);
        assert.equal(await store.getQueued(m1.id), undefined);
        await assert.rejects(store.removeQueued(m1.id), notFound);
      }));

    test('two stores on one database (two runners) never lease the same recipient', () =>
      withStore(async (store) => {
        const other = await factory.reopen(store);
        try {
          const now = Date.now();
          for (let i = 0; i < 40; i++) await enqueue(store, [`r${i}@d${i % 3}.example`], now);
          const seen: number[] = [];
          const claimAll = async (s: Store): Promise<void> => {
            for (;;) {
              const batches = await s.claimQueue(now, 60_000, 3);
              if (batches.length === 0) return;
              for (const b of batches) seen.push(...b.recipients.map((r) => r.id));
            }
          };
          await Promise.all([claimAll(store), claimAll(other), claimAll(store), claimAll(other)]);
          assert.equal(seen.length, 40, 'every recipient leased');
          assert.equal(new Set(seen).size, 40, 'and only once');
        } finally {
          await other.close();
        }
      }));
  });
}
