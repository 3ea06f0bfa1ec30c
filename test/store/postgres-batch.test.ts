/**
 * Group commit of deliveries on PostgreSQL (src/store/postgres/delivery-batch.ts), against the
 * real server: concurrent deliveries share transactions, each still gets its own result, and a
 * delivery that cannot be stored fails alone.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { isLoftError } from '../../src/core/errors.ts';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import type { DeliveryCommit } from '../../src/store/store.ts';
import { dropSchema, TEST_DATABASE_URL, testSchema } from '../helpers/postgres.ts';

const schema = testSchema('loft_batch');
let store: PostgresStore;
let inbox: number;
let other: number;
let n = 0;

before(async () => {
  store = await PostgresStore.open(TEST_DATABASE_URL, { schema, max: 4 });
  const domain = await store.addDomain('batch.test');
  const account = await store.addAccount({
    address: 'u@batch.test',
    domainId: domain.id,
    passwordHash: 'h',
    scram: undefined,
    mailboxes: [
      { name: 'INBOX', specialUse: undefined },
      { name: 'Other', specialUse: undefined },
    ],
  });
  inbox = (await store.getMailbox(account.id, 'INBOX'))!.id;
  other = (await store.getMailbox(account.id, 'Other'))!.id;
});
after(async () => {
  await store.close();
  await dropSchema(schema);
});

function delivery(mailboxId: number): DeliveryCommit {
  n++;
  return {
    blob: { id: `20260101-0000-batch${String(n).padStart(19, '0')}`, size: 1, inline: Buffer.from('x') },
    structure: '{}',
    internalDate: 1,
    placements: [{ mailboxId }],
  };
}

/** How many transactions wrote the messages of a mailbox (each row remembers its writer, xmin). */
async function writers(mailboxId: number): Promise<number> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT count(DISTINCT xmin::text)::int AS n FROM ${schema}.messages WHERE mailbox_id = $1`,
      [mailboxId],
    );
    return rows[0].n as number;
  } finally {
    await client.end();
  }
}

test('concurrent deliveries commit together, each with its own UID, in fewer transactions', async () => {
  const results = await Promise.all(Array.from({ length: 50 }, () => store.commitDelivery(delivery(inbox))));
  const uids = results.map((r) => r.placed[0]!.uid);
  assert.equal(new Set(uids).size, 50, 'no UID given twice');
  assert.deepEqual(
    await store.listUids(inbox),
    [...uids].sort((a, b) => a - b),
  );
  const transactions = await writers(inbox);
  assert.ok(transactions < 50, `50 deliveries in ${transactions} transactions`);
});

test('a delivery that cannot be stored fails alone; the others of its batch are stored', async () => {
  const before = (await store.listUids(other)).length;
  const attempts = Array.from({ length: 20 }, (_, i) =>
    store.commitDelivery(delivery(i === 7 ? 987_654_321 : other)),
  );
  const settled = await Promise.allSettled(attempts);
  const failed = settled.filter((s) => s.status === 'rejected');
  assert.equal(failed.length, 1);
  const reason = (failed[0] as PromiseRejectedResult).reason;
  assert.ok(isLoftError(reason) && /mailbox 987654321 does not exist/.test(reason.message), String(reason));
  assert.equal((await store.listUids(other)).length, before + 19);
});

test('a single delivery still commits at once (no waiting for company)', async () => {
  const result = await store.commitDelivery(delivery(inbox));
  assert.ok(result.placed[0]!.uid > 0);
});

test('a batch to two mailboxes: consecutive UIDs and rising MODSEQs in each, bodies, search backlog', async () => {
  const before = { inbox: await store.listUids(inbox), other: await store.listUids(other) };
  const deliveries = Array.from({ length: 30 }, (_, i) => {
    const d = delivery(i % 3 === 0 ? other : inbox);
    return { ...d, blob: { ...d.blob, inline: Buffer.from(`body ${i}`), size: `body ${i}`.length } };
  });
  const results = await Promise.all(deliveries.map((d) => store.commitDelivery(d)));
  for (const [mailboxId, earlier] of [
    [inbox, before.inbox],
    [other, before.other],
  ] as const) {
    const placed = results.flatMap((r) => r.placed).filter((p) => p.mailboxId === mailboxId);
    const uids = placed.map((p) => p.uid).sort((a, b) => a - b);
    assert.equal(uids.length, mailboxId === other ? 10 : 20);
    assert.ok(uids[0]! > (earlier.at(-1) ?? 0));
    assert.deepEqual(
      uids,
      uids.map((_, i) => uids[0]! + i),
      'consecutive UIDs',
    );
    const byUid = [...placed].sort((a, b) => a.uid - b.uid);
    assert.ok(
      byUid.every((p, i) => i === 0 || p.modseq > byUid[i - 1]!.modseq),
      'MODSEQ rises with the UID',
    );
    const rows = await store.listMessages(mailboxId);
    for (const p of placed) assert.equal(rows.find((m) => m.uid === p.uid)?.modseq, p.modseq);
    const box = await store.getMailboxById(mailboxId);
    assert.equal(box?.highestModseq, Math.max(...rows.map((m) => m.modseq)));
  }
  const bodies = await store.readInlineBodies(deliveries.map((d) => d.blob.id));
  deliveries.forEach((d, i) => {
    assert.equal(bodies.get(d.blob.id)?.toString(), `body ${i}`);
  });
  const backlog = new Set((await store.searchBacklog(10_000)).map((b) => b.blobId));
  assert.ok(
    deliveries.every((d) => backlog.has(d.blob.id)),
    'every blob waits for the search indexer',
  );
});

test('two stores (two processes) batching into one mailbox: every UID once, MODSEQs unique and rising', async () => {
  const second = await PostgresStore.open(TEST_DATABASE_URL, { schema, max: 4 });
  try {
    const before = new Set(await store.listUids(inbox));
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? store : second).commitDelivery(delivery(inbox))),
    );
    const placed = results.map((r) => r.placed[0]!);
    const uids = placed.map((p) => p.uid);
    assert.equal(new Set(uids).size, 60, 'no UID given twice');
    assert.ok(uids.every((uid) => !before.has(uid)));
    const rows = (await store.listMessages(inbox)).filter((m) => !before.has(m.uid));
    assert.deepEqual(
      rows.map((m) => m.uid),
      [...uids].sort((a, b) => a - b),
    );
    // Within the mailbox a higher UID never has a lower MODSEQ than one committed before it.
    const modseqs = rows.map((m) => m.modseq);
    assert.equal(new Set(modseqs).size, 60, 'no MODSEQ given twice');
    assert.ok(
      modseqs.every((m, i) => i === 0 || m > modseqs[i - 1]!),
      'MODSEQs rise with UIDs',
    );
    assert.ok((await writers(inbox)) > 1);
  } finally {
    await second.close();
  }
});
