/**
 * The SQLite commit worker: a thread with its own connection that applies batches of deliveries
 * (`applyBatch`), so the WAL fsync of each COMMIT runs off the event loop. While it commits one
 * batch, the main thread gathers the next: the busier the server, the larger the group commit.
 *
 * When no batch is waiting, it adds the delivered messages' text to the full-text index, a few
 * at a time (`indexTexts`): indexing never delays an acknowledgement.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DeliveryCommit, SearchText } from '../store.ts';
import { openDatabase } from './database.ts';
import { applyBatch, indexTexts } from './deliveries.ts';

const { file } = workerData as { file: string };
const db = openDatabase(file);
const toIndex: { blobId: string; text: SearchText }[] = [];
let scheduled = false;

/** Messages waiting to be indexed at most (each holds up to 2 × SEARCH_TEXT_LIMIT characters). */
const MAX_BACKLOG = 5000;
/** Characters of text indexed per transaction, so deliveries get the thread back soon. */
const SLICE_CHARS = 512 * 1024;

function indexSome(): void {
  scheduled = false;
  const slice: { blobId: string; text: SearchText }[] = [];
  let chars = 0;
  while (toIndex.length > 0 && (slice.length === 0 || chars < SLICE_CHARS)) {
    const item = toIndex.shift()!;
    slice.push(item);
    chars += item.text.headers.length + item.text.body.length;
  }
  try {
    if (slice.length > 0) indexTexts(db, slice);
  } catch {
    // Not indexed: search still finds these messages by reading them.
  }
  schedule();
}

function schedule(): void {
  if (!scheduled && toIndex.length > 0) {
    scheduled = true;
    setImmediate(indexSome);
  }
}

parentPort?.on(
  'message',
  (message: { id: number; batch: DeliveryCommit[] } | { flush: number } | 'close') => {
    if (message !== 'close' && 'flush' in message) {
      while (toIndex.length > 0) indexSome();
      parentPort?.postMessage({ flushed: message.flush });
      return;
    }
    if (message === 'close') {
      const deadline = Date.now() + 5000;
      while (toIndex.length > 0 && Date.now() < deadline) indexSome();
      db.close();
      parentPort?.close();
      return;
    }
    const outcomes = applyBatch(db, message.batch);
    parentPort?.postMessage({ id: message.id, outcomes });
    message.batch.forEach((delivery, i) => {
      // A backlog is bounded: past it, texts are left out of the index (search reads those messages).
      if (outcomes[i]?.ok && delivery.searchText && toIndex.length < MAX_BACKLOG) {
        toIndex.push({ blobId: delivery.blob.id, text: delivery.searchText });
      }
    });
    schedule();
  },
);
