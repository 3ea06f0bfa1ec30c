/**
 * The SQLite commit worker: a thread with its own connection that applies batches of deliveries
 * (`applyBatch`), so the WAL fsync of each COMMIT runs off the event loop. While it commits one
 * batch, the main thread gathers the next: the busier the server, the larger the group commit.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DeliveryCommit } from '../store.ts';
import { openDatabase } from './database.ts';
import { applyBatch } from './deliveries.ts';

const { file } = workerData as { file: string };
const db = openDatabase(file);

parentPort?.on('message', (message: { id: number; batch: DeliveryCommit[] } | 'close') => {
  if (message === 'close') {
    db.close();
    parentPort?.close();
    return;
  }
  parentPort?.postMessage({ id: message.id, outcomes: applyBatch(db, message.batch) });
});
