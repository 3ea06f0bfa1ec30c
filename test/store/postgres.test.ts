/**
 * The storage contract on the PostgreSQL backend, each run in a schema of its own in the
 * database `test` on 127.0.0.1:5432 (trust auth; `.ci/run` starts the server if it is down).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { isLoftError } from '../../src/core/errors.ts';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import type { Store } from '../../src/store/store.ts';
import { dropSchema, TEST_DATABASE_URL, testSchema } from '../helpers/postgres.ts';
import { storeContract } from './contract.ts';
import { queueContract } from './queue-contract.ts';

const schemas = new Map<Store, string>();

storeContract('postgres', {
  async makeStore() {
    const schema = testSchema();
    const store = await PostgresStore.open(TEST_DATABASE_URL, { schema, max: 4 });
    schemas.set(store, schema);
    return store;
  },
  async cleanup(store) {
    await store.close();
    await dropSchema(schemas.get(store)!);
  },
});

queueContract('postgres', {
  async makeStore() {
    const schema = testSchema();
    const store = await PostgresStore.open(TEST_DATABASE_URL, { schema, max: 4 });
    schemas.set(store, schema);
    return store;
  },
  async reopen(store) {
    return PostgresStore.open(TEST_DATABASE_URL, { schema: schemas.get(store)!, max: 4 });
  },
  async cleanup(store) {
    await store.close();
    await dropSchema(schemas.get(store)!);
  },
});

test('postgres: two stores on one database (as two processes) deliver to one mailbox; UIDs unique and increasing; locks shared', async () => {
  const schema = testSchema();
  const [a, b] = await Promise.all([
    PostgresStore.open(TEST_DATABASE_URL, { schema, max: 4 }),
    PostgresStore.open(TEST_DATABASE_URL, { schema, max: 4 }),
  ]);
  try {
    const domain = await a.addDomain('two.test');
    const account = await a.addAccount({
      address: 'u@two.test',
      domainId: domain.id,
      passwordHash: 'h',
      scram: undefined,
      mailboxes: [{ name: 'INBOX', specialUse: undefined }],
    });
    const inbox = (await b.getMailbox(account.id, 'INBOX'))!;
    let n = 0;
    const deliver = (store: Store) => {
      n++;
      const blob = {
        id: `20260101-0000-two${String(n).padStart(21, '0')}`,
        size: 1,
        inline: Buffer.from('x'),
      };
      return store.commitDelivery({
        blob,
        structure: '{}',
        internalDate: 1,
        placements: [{ mailboxId: inbox.id }],
      });
    };
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => deliver(i % 2 === 0 ? a : b)));
    const uids = results.map((r) => r.placed[0]!.uid);
    assert.equal(new Set(uids).size, 60, 'no UID given twice');
    assert.deepEqual(
      await a.listUids(inbox.id),
      [...uids].sort((x, y) => x - y),
    );
    assert.equal((await b.getMailboxById(inbox.id))!.uidNext, Math.max(...uids) + 1);
    const modseqs = results.map((r) => r.placed[0]!.modseq);
    assert.equal(new Set(modseqs).size, 60, 'no MODSEQ given twice');

    assert.equal(await a.tryLock('pop3:1', 'process-a', 60_000), true);
    assert.equal(await b.tryLock('pop3:1', 'process-b', 60_000), false, 'the lease holds across processes');
    await a.releaseLock('pop3:1', 'process-a');
    assert.equal(await b.tryLock('pop3:1', 'process-b', 60_000), true);
  } finally {
    await a.close();
    await b.close();
    await dropSchema(schema);
  }
});

test('postgres: bodies and search text are compressed with LZ4 where the server has it', async () => {
  const schema = testSchema();
  const store = await PostgresStore.open(TEST_DATABASE_URL, { schema, max: 2 });
  await store.close();
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT c.relname, a.attname, a.attcompression FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND (c.relname, a.attname) IN (('blob_data', 'data'), ('search_docs', 'headers'), ('search_docs', 'body'))
        ORDER BY 1, 2`,
      [schema],
    );
    // 'l' is LZ4 (this machine's PostgreSQL 15 has it); '' would be the default, pglz.
    assert.deepEqual(
      rows.map((r) => `${r.relname}.${r.attname}=${r.attcompression}`),
      ['blob_data.data=l', 'search_docs.body=l', 'search_docs.headers=l'],
    );
  } finally {
    await client.end();
    await dropSchema(schema);
  }
});

test('postgres: an unreachable server is a clear TEMP error, not a driver error', async () => {
  await assert.rejects(
    PostgresStore.open('postgres://root@127.0.0.1:1/test', { schema: 'loft_unreachable' }),
    (err: unknown) => isLoftError(err, 'TEMP') && /database unavailable/.test((err as Error).message),
  );
});

test('postgres: two stores (two processes) share the search backlog: each item goes to one of them', async () => {
  const schema = testSchema();
  const [a, b] = await Promise.all([
    PostgresStore.open(TEST_DATABASE_URL, { schema, max: 4 }),
    PostgresStore.open(TEST_DATABASE_URL, { schema, max: 4 }),
  ]);
  try {
    const domain = await a.addDomain('share.test');
    const account = await a.addAccount({
      address: 'u@share.test',
      domainId: domain.id,
      passwordHash: 'h',
      scram: undefined,
      mailboxes: [{ name: 'INBOX', specialUse: undefined }],
    });
    const inbox = (await a.getMailbox(account.id, 'INBOX'))!;
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const id = `20260101-0000-share${String(i).padStart(19, '0')}`;
      ids.push(id);
      await a.commitDelivery({
        blob: { id, size: 1, inline: Buffer.from('x') },
        structure: '{}',
        internalDate: 1,
        placements: [{ mailboxId: inbox.id }],
      });
    }
    const [takenA, takenB] = await Promise.all([a.searchBacklog(6), b.searchBacklog(6)]);
    const ofA = takenA.map((item) => item.blobId);
    const ofB = takenB.map((item) => item.blobId);
    assert.deepEqual(
      [...ofA, ...ofB].sort(),
      [...ids].sort(),
      'every item to exactly one of them (6 + 4, in some split)',
    );
    assert.deepEqual(
      (await a.searchBacklog(100)).map((item) => item.blobId),
      ofA,
      'a process sees its own items again',
    );
    assert.deepEqual(await b.searchBacklog(100).then((items) => items.map((item) => item.blobId)), ofB);
    await a.indexSearchText(ofA.map((blobId) => ({ blobId, text: null })));
    assert.deepEqual(
      (await b.searchBacklog(100)).map((item) => item.blobId),
      ofB,
      'indexed items are gone; leased ones stay with their process',
    );
  } finally {
    await a.close();
    await b.close();
    await dropSchema(schema);
  }
});
