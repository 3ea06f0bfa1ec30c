/**
 * Committing deliveries on PostgreSQL: one at a time through group commit (delivery-batch.ts),
 * the common kind as one statement, any other statement by statement; a MULTIAPPEND set all or
 * nothing. Each commit carries the notification of what it placed (change-feed.ts).
 */
import type { DeliveryCommit, DeliveryResult } from '../store.ts';
import { notifyChanges } from './change-feed.ts';
import type { PgDatabase, Queryable } from './database.ts';
import { applyDelivery, applySimpleDelivery } from './deliveries.ts';
import { DeliveryBatcher } from './delivery-batch.ts';
import { appended } from './mailbox-changes.ts';

export class DeliveryWriter {
  readonly #db: PgDatabase;
  readonly #channel: string;
  readonly #origin: string;
  readonly #batches: DeliveryBatcher;

  /** `channel` and `origin`: where this store's notifications go, and its id in them. */
  constructor(db: PgDatabase, channel: string, origin: string) {
    this.#db = db;
    this.#channel = channel;
    this.#origin = origin;
    this.#batches = new DeliveryBatcher({
      one: (delivery) => this.#commitOne(delivery),
      tx: (fn) => this.#db.tx('storing messages', fn),
      apply: (db, delivery) => this.#apply(db, delivery),
    });
  }

  /** One delivery, in the next batch; resolves once it is durable. */
  commit(delivery: DeliveryCommit): Promise<DeliveryResult> {
    return this.#batches.commit(delivery);
  }

  /** A set of deliveries all or nothing (RFC 3502 §3), in one transaction of its own. */
  commitAll(deliveries: readonly DeliveryCommit[]): Promise<DeliveryResult[]> {
    return this.#db.tx('storing messages', async (db) => {
      const results: DeliveryResult[] = [];
      for (const delivery of deliveries) results.push(await applyDelivery(db, delivery));
      await notifyChanges(db, this.#channel, this.#origin, results.flatMap(appended));
      return results;
    });
  }

  /** One delivery in a transaction of its own: one statement for the common kind. */
  async #commitOne(delivery: DeliveryCommit): Promise<DeliveryResult> {
    const simple = await this.#db.read('storing message', (db) =>
      applySimpleDelivery(db, delivery, this.#channel, this.#origin),
    );
    if (simple) return simple;
    return this.#db.tx('storing message', (db) => this.#applyGeneral(db, delivery));
  }

  /** One delivery inside the caller's transaction (a batch's), with its notification. */
  async #apply(db: Queryable, delivery: DeliveryCommit): Promise<DeliveryResult> {
    return (
      (await applySimpleDelivery(db, delivery, this.#channel, this.#origin)) ??
      this.#applyGeneral(db, delivery)
    );
  }

  /** Any delivery, statement by statement, then its notification (delivered at commit). */
  async #applyGeneral(db: Queryable, delivery: DeliveryCommit): Promise<DeliveryResult> {
    const result = await applyDelivery(db, delivery);
    await notifyChanges(db, this.#channel, this.#origin, appended(result));
    return result;
  }
}
