/**
 * Writes other than deliveries, as jobs for the commit worker so that they share its
 * transactions: the queue runner's (claim, outcomes, lease renewal; functions of `queue.ts`) and
 * flag changes (IMAP STORE, POP3's \Seen; `updateFlags` of `messages.ts`). Everything asked for
 * while the worker commits one batch is applied in the next one, each in its own savepoint, with
 * one WAL fsync for all of them, off the event loop.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { FlagChange, FlagUpdate, QueueBatch, QueueOutcome } from '../store.ts';
import { inSavepoint, type SavepointResult, statementCache } from './database.ts';
import { type Prepare, updateFlags } from './messages.ts';
import { claimQueue, recordOutcomes, renewLease } from './queue.ts';

/**
 * One write: of the queue runner (see `Store.claimQueue`, `recordQueueOutcomes`,
 * `renewQueueLease`) or a flag change (`Store.updateFlags`).
 */
export type WriterOp =
  | { kind: 'claim'; now: number; leaseMs: number; limit: number }
  | { kind: 'record'; messageId: number; leaseUntil: number; outcomes: readonly QueueOutcome[] }
  | { kind: 'renew'; ids: readonly number[]; leaseUntil: number; next: number }
  | { kind: 'flags'; mailboxId: number; uids: readonly number[]; change: FlagChange };

/** What each kind of operation returns. */
export interface WriterOpValues {
  claim: QueueBatch[];
  record: { applied: number; removed: boolean; orphanBlobs: string[] };
  renew: number;
  flags: FlagUpdate[];
}

/** The result of one operation, as it crosses the worker boundary. */
export type WriterOpResult = SavepointResult<WriterOpValues[WriterOp['kind']]>;

const WHAT: Record<WriterOp['kind'], string> = {
  claim: 'claiming queued messages',
  record: 'recording delivery outcomes',
  renew: 'renewing a lease',
  flags: 'changing flags',
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
 * this operation and is returned as its result. Throws when the failure ended the transaction.
 */
export function applyWriterOp(db: DatabaseSync, op: WriterOp): WriterOpResult {
  const prepare = preparer(db);
  return inSavepoint(db, WHAT[op.kind], () => run(prepare, op));
}

function run(prepare: Prepare, op: WriterOp): WriterOpValues[WriterOp['kind']] {
  switch (op.kind) {
    case 'claim':
      return claimQueue(prepare, op.now, op.leaseMs, op.limit);
    case 'record':
      return recordOutcomes(prepare, op.messageId, op.leaseUntil, op.outcomes);
    case 'renew':
      return renewLease(prepare, op.ids, op.leaseUntil, op.next);
    case 'flags':
      return updateFlags(prepare, op.mailboxId, op.uids, op.change);
  }
}
