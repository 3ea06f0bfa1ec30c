/**
 * The message file store and the orphan sweeper, on a real folder.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { isLoftError } from '../../src/core/errors.ts';
import { sweepOrphanBlobs } from '../../src/services/delivery/sweeper.ts';
import { FileBlobStore } from '../../src/store/blob/file-blob-store.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'loft-blobs-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('put, read whole and by range, list, remove', async () => {
  const blobs = new FileBlobStore(path.join(dir, 'a'));
  const ref = await blobs.put([Buffer.from('Hello, '), Buffer.from('world\r\n')]);
  assert.equal(ref.size, 14);
  assert.equal((await blobs.read(ref.id)).toString(), 'Hello, world\r\n');
  assert.equal((await blobs.read(ref.id, 7, 12)).toString(), 'world');
  assert.equal((await blobs.read(ref.id, 7)).toString(), 'world\r\n');
  const listed = [];
  for await (const b of blobs.list()) listed.push(b.id);
  assert.deepEqual(listed, [ref.id]);
  await blobs.remove(ref.id);
  await assert.rejects(blobs.read(ref.id), (err) => isLoftError(err, 'NOTFOUND'));
  await assert.rejects(blobs.read('../../etc/passwd'), (err) => isLoftError(err, 'INVALID'));
});

test('concurrent puts land in one minute bucket, each readable', async () => {
  const blobs = new FileBlobStore(path.join(dir, 'b'), { now: () => new Date('2026-01-02T03:04:05Z') });
  const refs = await Promise.all(
    Array.from({ length: 50 }, (_, i) => blobs.put([Buffer.from(`message ${i}`)])),
  );
  assert.equal(new Set(refs.map((r) => r.id)).size, 50);
  assert.deepEqual(await readdir(path.join(dir, 'b', '20260102')), ['0304']);
  for (const [i, ref] of refs.entries()) assert.equal((await blobs.read(ref.id)).toString(), `message ${i}`);
});

test('the sweeper removes only old unreferenced files', async () => {
  const store = new SqliteStore(path.join(dir, 'sweep.db'));
  const oldBlobs = new FileBlobStore(path.join(dir, 'c'), { now: () => new Date(Date.now() - 3600_000) });
  const orphanOld = await oldBlobs.put([Buffer.from('orphan')]);
  const kept = await oldBlobs.put([Buffer.from('kept')]);
  const freshBlobs = new FileBlobStore(path.join(dir, 'c'));
  const orphanFresh = await freshBlobs.put([Buffer.from('in flight')]);
  await store.commitDelivery({ blob: kept, structure: '{}', internalDate: 1, placements: [] });
  assert.equal(await sweepOrphanBlobs(store, freshBlobs), 1);
  await assert.rejects(freshBlobs.read(orphanOld.id));
  assert.equal((await freshBlobs.read(kept.id)).toString(), 'kept');
  assert.equal((await freshBlobs.read(orphanFresh.id)).toString(), 'in flight');
  await store.close();
});
