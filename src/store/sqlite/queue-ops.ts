/**
 * The queue runner's writes (claim, outcomes, lease renewal) as jobs for the commit worker, so
 * that they share its transactions: everything asked for while the worker commits one batch is
 * applied in the next one, each in its own savepoint, with one WAL fsync for all of them, off the
 * event loop. The functions themselves are those of `queue.ts`.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { ErrorCode } from '../../core/errors.ts';
import type { QueueBatch, QueueOutcome } from '../store.ts';
import { mapSqliteError, statementCache } from './database.ts';
import type { Prepare } from './messages.ts';
import { claimQueue, recordOutcomes, renewLease } from './queue.ts';

/** One write of the queue runner (see `Store.claimQueue`, `recordQueueOutcomes`, `renewQueueLease`). */
export type QueueOp =
  | { kind: 'claim'; now: number; leaseMs: number; limit: number }
  | { kind: 'record'; messageId: number; leaseUntil: number; outcomes: readonly QueueOutcome[] }
  | { kind: 'renew'; ids: readonly number[]; leaseUntil: number; next: number };

/** What each kind of operation returns. */
export interface QueueOpValues {
  claim: QueueBatch[];
  record: { applied: number; removed: boolean; orphanBlobs: string[] };
  renew: number;
}

/** The result of one operation, as it crosses the worker boundary. */
export type QueueOpResult =
  | { ok: true; value: QueueOpValues[QueueOp['kind']] }
  | { ok: false; error: { code: ErrorCode; message: string } };

const WHAT: Record<QueueOp['kind'], string> = {
  claim: 'claiming queued messages',
  record: 'recording delivery outcomes',
  renew: 'renewing a lease',
};

const prepares = new WeakMap<DatabaseSync, Prepare>();

/** A prepared-statement cache for the worker's connection. */
function preparer(db: DatabaseSync): Prepare {
  let prepare = prepares.get(db);
  if (!prepare) {
    prepare = statementCache(db);
    prepares.set(db, prepare);
  }
  return prepare;
}

/**
 * Applies one operation inside the caller's transaction, in a savepoint: a failure undoes only
 * this operation and is returned as its result.
 */
export function applyQueueOp(db: DatabaseSync, op: QueueOp): QueueOpResult {
  const prepare = preparer(db);
  db.exec('SAVEPOINT queue_op');
  try {
    const value =
      op.kind === 'claim'
        ? claimQueue(prepare, op.now, op.leaseMs, op.limit)
        : op.kind === 'record'
          ? recordOutcomes(prepare, op.messageId, op.leaseUntil, op.outcomes)
          : renewLease(prepare, op.ids, op.leaseUntil, op.next);
    db.exec('RELEASE queue_op');
    return { ok: true, value };
  } catch (err) {
    db.exec('ROLLBACK TO queue_op');
    db.exec('RELEASE queue_op');
    const mapped = mapSqliteError(err, WHAT[op.kind]);
    return { ok: false, error: { code: mapped.code, message: mapped.message } };
  }
}
