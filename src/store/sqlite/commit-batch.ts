/**
 * One transaction of the commit worker: a batch of deliveries, each group (one message, or the
 * messages of one MULTIAPPEND) in its own savepoint, so one failure does not fail the other
 * groups and a group is all or nothing (RFC 3502 §3); then the other writes asked for meanwhile
 * (the queue runner's, flag changes: `writer-ops.ts`), each in its own savepoint too. One WAL
 * fsync at COMMIT serves them all. Nothing is reported done before that COMMIT: a failed COMMIT
 * fails every item of the batch.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { ErrorCode } from '../../core/errors.ts';
import type { DeliveryCommit, DeliveryResult } from '../store.ts';
import { mapSqliteError } from './database.ts';
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
  const fail = (err: unknown, what: string) => {
    const mapped = mapSqliteError(err, what);
    return { ok: false as const, error: { code: mapped.code, message: mapped.message } };
  };
  const failAll = (err: unknown, what: string): BatchOutcome => {
    const outcome = fail(err, what);
    return { deliveries: batch.map(() => outcome), ops: ops.map(() => outcome) };
  };
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (err) {
    return failAll(err, batch.length > 0 ? 'storing message' : 'writing changes');
  }
  const deliveries: DeliveryOutcome[] = [];
  for (const group of batch) {
    db.exec('SAVEPOINT delivery');
    try {
      const results = group.map((delivery) => applyDelivery(db, delivery));
      db.exec('RELEASE delivery');
      deliveries.push({ ok: true, results });
    } catch (err) {
      db.exec('ROLLBACK TO delivery');
      db.exec('RELEASE delivery');
      deliveries.push(fail(err, 'storing message'));
    }
  }
  const results = ops.map((op) => applyWriterOp(db, op));
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
