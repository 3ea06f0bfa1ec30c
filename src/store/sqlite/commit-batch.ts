/**
 * One transaction of the commit worker: a batch of deliveries, then the other writes asked for
 * meanwhile. A group of deliveries (one message, or the messages of one MULTIAPPEND) is all or
 * nothing (RFC 3502 §3) and one failure does not fail the other groups: the groups are written
 * straight away, and if one fails, the transaction starts again with each group in a savepoint of
 * its own (so a group that fails for a lasting reason, a mailbox removed meanwhile, costs the
 * batch its work twice). The other writes (the queue runner's, flag changes: `writer-ops.ts`)
 * each have a savepoint of their own. One WAL fsync at COMMIT serves them all. Nothing is
 * reported done before that COMMIT: a failed COMMIT, or an error after which SQLite rolled back
 * the transaction itself (a full disk, an I/O error), fails every item of the batch.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { ErrorCode } from '../../core/errors.ts';
import type { DeliveryCommit, DeliveryResult } from '../store.ts';
import { inSavepoint, mapSqliteError } from './database.ts';
import { applyDelivery } from './deliveries.ts';
import { applyWriterOp, type WriterOp, type WriterOpResult } from './writer-ops.ts';

/** The outcome of one group of deliveries, as it crosses the worker boundary. */
export type DeliveryOutcome =
  | { ok: true; results: DeliveryResult[] }
  | { ok: false; error: { code: ErrorCode; message: string } };

export interface BatchOutcome {
  /** One per group of deliveries, in order. */
  deliveries: DeliveryOutcome[];
  /** One per write besides deliveries (writer-ops.ts), in order. */
  ops: WriterOpResult[];
}

/** Commits `batch` and `ops` in one transaction; the outcomes are in the order given. */
export function applyBatch(
  db: DatabaseSync,
  batch: readonly (readonly DeliveryCommit[])[],
  ops: readonly WriterOp[] = [],
): BatchOutcome {
  const failAll = (err: unknown, what: string): BatchOutcome => {
    const mapped = mapSqliteError(err, what);
    const outcome = { ok: false as const, error: { code: mapped.code, message: mapped.message } };
    return { deliveries: batch.map(() => outcome), ops: ops.map(() => outcome) };
  };
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (err) {
    return failAll(err, batch.length > 0 ? 'storing message' : 'writing changes');
  }
  let deliveries = batch.length === 0 ? [] : applyAllGroups(db, batch);
  if (!deliveries) {
    // A group failed: start again, each group in a savepoint of its own, so that only it fails.
    try {
      db.exec('ROLLBACK');
    } catch {
      // some errors (a full disk, I/O) end the transaction themselves
    }
    try {
      db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      return failAll(err, 'storing message');
    }
    try {
      deliveries = batch.map((group) => applyGroup(db, group));
    } catch (err) {
      return failAll(err, 'storing message');
    }
  }
  let results: WriterOpResult[];
  try {
    results = ops.map((op) => applyWriterOp(db, op));
  } catch (err) {
    return failAll(err, 'writing changes');
  }
  try {
    db.exec('COMMIT');
  } catch (err) {
    try {
      db.exec('ROLLBACK');
    } catch {
      // the transaction is already gone
    }
    return failAll(err, batch.length > 0 ? 'committing messages' : 'committing changes');
  }
  return { deliveries, ops: results };
}

/**
 * Every group, without savepoints (the usual case: nothing fails). A savepoint per group makes
 * SQLite copy each page a group changes, in full, to a statement journal first: for a 100 KB
 * message about 14 pages of 16 KB. Undefined when a group failed (the caller rolls back).
 */
function applyAllGroups(
  db: DatabaseSync,
  batch: readonly (readonly DeliveryCommit[])[],
): DeliveryOutcome[] | undefined {
  try {
    return batch.map((group) => ({
      ok: true,
      results: group.map((delivery) => applyDelivery(db, delivery)),
    }));
  } catch {
    return undefined;
  }
}

/**
 * One group in a savepoint of its own: a failure undoes only this group and is its outcome.
 * Throws when the failure ended the whole transaction.
 */
function applyGroup(db: DatabaseSync, group: readonly DeliveryCommit[]): DeliveryOutcome {
  const done = inSavepoint(db, 'storing message', () => group.map((delivery) => applyDelivery(db, delivery)));
  return done.ok ? { ok: true, results: done.value } : done;
}
