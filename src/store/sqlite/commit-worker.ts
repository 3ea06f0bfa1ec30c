/**
 * The SQLite commit worker: a thread with its own connection that applies batches of deliveries
 * and queue writes (`applyBatch`), so the WAL fsync of each COMMIT runs off the event loop. While
 * it commits one batch, the main thread gathers the next: the busier the server, the larger the
 * group commit. It also writes the full-text index (`indexTexts`) when the search indexer hands
 * it texts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DeliveryCommit, SearchText } from '../store.ts';
import { applyBatch } from './commit-batch.ts';
import { mapSqliteError, openDatabase } from './database.ts';
import { indexTexts } from './deliveries.ts';
import type { WriterOp } from './writer-ops.ts';

/** A job for the worker; every job but `close` is answered with a message carrying its `id`. */
export type WorkerJob =
  | { id: number; batch: (readonly DeliveryCommit[])[]; ops: WriterOp[] }
  | { id: number; index: { blobId: string; text: SearchText | null }[] }
  | 'close';

const { file } = workerData as { file: string };
const db = openDatabase(file);
// Savepoints and statements that may fail half way keep the pages they change in a statement
// journal, a temporary file by default: a pwrite of a whole page each. In memory it is a copy.
db.exec('PRAGMA temp_store = MEMORY');

parentPort?.on('message', (job: WorkerJob) => {
  if (job === 'close') {
    db.close();
    parentPort?.close();
    return;
  }
  if ('batch' in job) {
    const outcome = applyBatch(db, job.batch, job.ops);
    parentPort?.postMessage({ id: job.id, outcomes: outcome.deliveries, ops: outcome.ops });
    return;
  }
  try {
    indexTexts(db, job.index);
    parentPort?.postMessage({ id: job.id, indexed: true });
  } catch (err) {
    const mapped = mapSqliteError(err, 'indexing message text');
    parentPort?.postMessage({ id: job.id, error: { code: mapped.code, message: mapped.message } });
  }
});
