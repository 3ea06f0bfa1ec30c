/**
 * The storage contract on the SQLite backend, plus what is particular to it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { openDatabase } from '../../src/store/sqlite/database.ts';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite/migrations.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { storeContract } from './contract.ts';
import { queueContract } from './queue-contract.ts';

const dirs = new Map<Store, string>();

storeContract('sqlite', {
  async makeStore() {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'loft-store-'));
    const store = new SqliteStore(path.join(dir, 'loft.db'));
    dirs.set(store, dir);
    return store;
  },
  async cleanup(store) {
    await store.close();
    await rm(dirs.get(store)!, { recursive: true, force: true });
  },
});

const files = new Map<Store, string>();

queueContract('sqlite', {
  async makeStore() {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'loft-store-'));
    const store = new SqliteStore(path.join(dir, 'loft.db'));
    dirs.set(store, dir);
    files.set(store, path.join(dir, 'loft.db'));
    return store;
  },
  async reopen(store) {
    return new SqliteStore(files.get(store)!);
  },
  async cleanup(store) {
    await store.close();
    await rm(dirs.get(store)!, { recursive: true, force: true });
  },
});

test('sqlite: WAL, synchronous=FULL, and migrations recorded', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'loft-store-'));
  const file = path.join(dir, 'loft.db');
  const store = new SqliteStore(file);
  await store.close();
  const db = new DatabaseSync(file);
  assert.equal((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
  assert.ok((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version >= 1);
  db.close();
  // Reopening an existing database applies no migration twice.
  const again = new SqliteStore(file);
  await again.addDomain('x.test');
  await again.close();
  await rm(dir, { recursive: true, force: true });
});

test('sqlite: connections have synchronous=FULL and foreign keys; only the bulk reader is memory-mapped', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'loft-store-'));
  const file = path.join(dir, 'loft.db');
  const plain = openDatabase(file);
  const bulk = openDatabase(file, { mmap: true });
  for (const db of [plain, bulk]) {
    const pragma = (name: string): number => Number(Object.values(db.prepare(`PRAGMA ${name}`).get()!)[0]);
    assert.equal(pragma('synchronous'), 2, 'FULL');
    assert.equal(pragma('foreign_keys'), 1);
  }
  const mmapSize = (db: typeof plain): number =>
    Number(Object.values(db.prepare('PRAGMA mmap_size').get()!)[0]);
  assert.equal(mmapSize(plain), 0);
  assert.ok(mmapSize(bulk) >= 256 * 1024 * 1024, `mmap_size ${mmapSize(bulk)}`);
  plain.close();
  bulk.close();
  await rm(dir, { recursive: true, force: true });
});

test('sqlite: a new database has 16 KB pages; an existing one keeps its page size', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'loft-store-'));
  const pageSize = (db: DatabaseSync): number =>
    Number(Object.values(db.prepare('PRAGMA page_size').get()!)[0]);
  const fresh = openDatabase(path.join(dir, 'new.db'));
  assert.equal(pageSize(fresh), 16 * 1024);
  fresh.close();
  // A database made with SQLite's default pages (as before) stays as it is, and works.
  const oldFile = path.join(dir, 'old.db');
  const made = new DatabaseSync(oldFile);
  made.exec('PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1)');
  made.close();
  const reopened = openDatabase(oldFile);
  assert.equal(pageSize(reopened), 4096);
  assert.equal(Number(Object.values(reopened.prepare('SELECT count(*) FROM t').get()!)[0]), 1);
  reopened.close();
  await rm(dir, { recursive: true, force: true });
});

test('sqlite: migration 7 marks existing mailboxes as having no expunge history before it', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'loft-store-'));
  const file = path.join(dir, 'loft.db');
  const db = new DatabaseSync(file);
  for (const migration of SQLITE_MIGRATIONS.slice(0, 6)) db.exec(migration);
  db.exec('PRAGMA user_version = 6');
  db.exec("INSERT INTO domains (name, created_at) VALUES ('old.test', 1)");
  db.exec(
    "INSERT INTO accounts (address, domain_id, password_hash, created_at) VALUES ('a@old.test', 1, 'h', 1)",
  );
  db.exec(
    "INSERT INTO mailboxes (account_id, name, uid_validity, uid_next, highest_modseq) VALUES (1, 'INBOX', 7, 10, 42)",
  );
  db.close();
  const store = new SqliteStore(file);
  try {
    const inbox = (await store.getMailbox(1, 'INBOX'))!;
    assert.equal(
      await store.expungedSince(inbox.id, 41),
      undefined,
      'expunges before the migration are unknown',
    );
    assert.deepEqual(await store.expungedSince(inbox.id, 42), []);
    const fresh = await store.createMailbox(1, 'New');
    assert.deepEqual(await store.expungedSince(fresh.id, 0), [], 'a new mailbox has its whole history');
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('sqlite: a movable inline body goes to the commit worker without a copy; others are copied', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'loft-store-'));
  const store = new SqliteStore(path.join(dir, 'loft.db'));
  try {
    const domain = await store.addDomain('move.test');
    const account = await store.addAccount({
      address: 'u@move.test',
      domainId: domain.id,
      passwordHash: 'h',
      scram: undefined,
      mailboxes: [{ name: 'INBOX', specialUse: undefined }],
    });
    const inbox = (await store.getMailbox(account.id, 'INBOX'))!;
    const content = (fill: string) => Buffer.from(`Subject: ${fill}\r\n\r\n${fill.repeat(20_000)}\r\n`);
    const commit = (id: string, body: Buffer, movable: boolean) =>
      store.commitDelivery({
        blob: { id, size: body.length, inline: body, movable },
        structure: '{}',
        internalDate: 1,
        placements: [{ mailboxId: inbox.id }],
      });

    // A buffer that is the whole of its memory (not a slice of Node's pool), as the delivery makes.
    const owned = (b: Buffer) => {
      const out = Buffer.allocUnsafeSlow(b.length);
      b.copy(out);
      return out;
    };
    const moved = owned(content('m'));
    await commit('20261128-0000-movedmovedmovedmoved01', moved, true);
    assert.equal(moved.length, 0, 'the moved buffer is empty in the caller afterwards');
    assert.deepEqual(await store.readInlineBody('20261128-0000-movedmovedmovedmoved01'), content('m'));

    const kept = owned(content('k'));
    await commit('20261128-0000-keptkeptkeptkeptkep01', kept, false);
    assert.deepEqual(kept, content('k'), 'a body not handed over is left as it was');
    assert.deepEqual(await store.readInlineBody('20261128-0000-keptkeptkeptkeptkep01'), content('k'));

    // A view of a larger buffer is copied even when movable: the rest of its memory is not ours.
    const larger = owned(Buffer.concat([content('v'), Buffer.from('trailing bytes')]));
    const view = larger.subarray(0, content('v').length);
    await commit('20261128-0000-viewviewviewviewvie01', view, true);
    assert.deepEqual(view, content('v'));
    assert.deepEqual(await store.readInlineBody('20261128-0000-viewviewviewviewvie01'), content('v'));
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
