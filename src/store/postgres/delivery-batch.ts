/**
 * Group commit of deliveries in one process on PostgreSQL, as the SQLite store's commit worker
 * does: while one batch commits, new deliveries wait; then everything waiting (up to
 * {@link MAX_BATCH}) commits in one transaction, so a burst costs one WAL flush per batch instead
 * of one per message. That matters most for a busy mailbox: the UID a delivery takes locks the
 * mailbox row until its transaction commits (deliveries.ts), so deliveries to one mailbox,
 * from every process, otherwise take turns one WAL flush each.
 *
 * Each delivery still succeeds or fails on its own: when a statement of the batch fails (a
 * mailbox removed meanwhile, a deadlock with another process's batch), nothing of the batch was
 * committed and each delivery is committed again by itself. A failure of the COMMIT itself
 * (the connection lost) fails the whole batch: it may or may not have been committed, and trying
 * again could store the messages twice; the SMTP client is told to retry (TEMP), as for one.
 */
import type { DeliveryCommit, DeliveryResult } from '../store.ts';
import type { Queryable } from './database.ts';

/** Deliveries committed in one transaction at most. */
export const MAX_BATCH = 64;

interface Waiting {
  delivery: DeliveryCommit;
  resolve: (result: DeliveryResult) => void;
  reject: (err: unknown) => void;
}

export interface BatchOps {
  /** Commits one delivery in a transaction of its own. */
  one(delivery: DeliveryCommit): Promise<DeliveryResult>;
  /** Runs `fn` in one transaction (rejects when any statement or the COMMIT fails). */
  tx<T>(fn: (db: Queryable) => Promise<T>): Promise<T>;
  /**
   * Writes the deliveries inside a transaction and announces them to other processes (at its
   * commit); rejects when any of them cannot be written.
   */
  applyAll(db: Queryable, deliveries: readonly DeliveryCommit[]): Promise<DeliveryResult[]>;
}

export class DeliveryBatcher {
  readonly #ops: BatchOps;
  #waiting: Waiting[] = [];
  #running = false;

  constructor(ops: BatchOps) {
    this.#ops = ops;
  }

  /** Commits `delivery` in the next batch; resolves once its transaction is durable. */
  commit(delivery: DeliveryCommit): Promise<DeliveryResult> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ delivery, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting.splice(0, MAX_BATCH);
        await this.#commitBatch(batch);
      }
    } finally {
      this.#running = false;
    }
  }

  async #commitBatch(batch: Waiting[]): Promise<void> {
    if (batch.length === 1) {
      const [only] = batch as [Waiting];
      await this.#ops.one(only.delivery).then(only.resolve, only.reject);
      return;
    }
    // Mailbox rows locked in one order by every process's batches: fewer deadlocks between them.
    const ordered = [...batch].sort((a, b) => firstMailbox(a.delivery) - firstMailbox(b.delivery));
    let statementFailed = false;
    let results: DeliveryResult[];
    try {
      results = await this.#ops.tx(async (db) => {
        try {
          return await this.#ops.applyAll(
            db,
            ordered.map((w) => w.delivery),
          );
        } catch (err) {
          statementFailed = true;
          throw err;
        }
      });
    } catch (err) {
      if (!statementFailed) {
        for (const w of ordered) w.reject(err);
        return;
      }
      // Nothing of the batch was committed: each one alone, so only the failing one fails.
      await Promise.all(ordered.map((w) => this.#ops.one(w.delivery).then(w.resolve, w.reject)));
      return;
    }
    ordered.forEach((w, i) => {
      w.resolve(results[i]!);
    });
  }
}

function firstMailbox(delivery: DeliveryCommit): number {
  return delivery.placements[0]?.mailboxId ?? 0;
}
