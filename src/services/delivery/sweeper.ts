/**
 * The orphan sweeper: a message file is written and fsynced before its index row commits, so a
 * crash between the two leaves a file nothing refers to. At start, files older than a grace
 * period (so no delivery in flight is touched) that no row references are removed.
 */
import type { BlobStore } from '../../store/blob/blob-store.ts';
import type { Store } from '../../store/store.ts';

/** Removes unreferenced blobs written more than `graceMs` ago; returns how many. */
export async function sweepOrphanBlobs(
  store: Store,
  blobs: BlobStore,
  options: { graceMs?: number; now?: number } = {},
): Promise<number> {
  const cutoff = (options.now ?? Date.now()) - (options.graceMs ?? 15 * 60_000);
  let removed = 0;
  for await (const blob of blobs.list()) {
    if (blob.createdAt >= cutoff) continue;
    if (await store.isBlobReferenced(blob.id)) continue;
    await blobs.remove(blob.id);
    removed++;
  }
  return removed;
}
