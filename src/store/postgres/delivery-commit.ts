/**
 * Committing deliveries on PostgreSQL: one at a time through group commit (delivery-batch.ts),
 * the common kind as one statement, any other statement by statement; a MULTIAPPEND set all or
 * nothing. Each commit carries one notification of everything it placed (change-feed.ts).
 */
import { LoftError } from '../../core/errors.ts';
import type { DeliveryCommit, DeliveryResult } from '../store.ts';
import { notifyChanges } from './change-feed.ts';
import type { PgDatabase, Queryable } from './database.ts';
import { applyDelivery, applySimpleDelivery } from './deliveries.ts';
import { DeliveryBatcher } from './delivery-batch.ts';
import { appended } from './mailbox-changes.ts';
import { applySimpleDeliveries, isSimpleDelivery } from './simple-deliveries.ts';

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
      applyAll: (db, deliveries) => this.#applyAll(db, deliveries),
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
      await this.#announce(db, results);
      return results;
    });
  }

  /** One delivery in a transaction of its own: one statement for the common kind. */
  async #commitOne(delivery: DeliveryCommit): Promise<DeliveryResult> {
    const notify = { channel: this.#channel, origin: this.#origin };
    const simple = await this.#db.read('storing message', (db) => applySimpleDelivery(db, delivery, notify));
    if (simple) return simple;
    return this.#db.tx('storing message', async (db) => {
      const result = await applyDelivery(db, delivery);
      await this.#announce(db, [result]);
      return result;
    });
  }

  /**
   * A batch inside its transaction: the common kind all in one statement, any other mix
   * delivery by delivery, then one notification.
   */
  async #applyAll(db: Queryable, deliveries: readonly DeliveryCommit[]): Promise<DeliveryResult[]> {
    if (deliveries.every(isSimpleDelivery)) {
      const notify = { channel: this.#channel, origin: this.#origin };
      const results = await applySimpleDeliveries(db, deliveries, notify);
      if (!results) throw new LoftError('NOTFOUND', 'a mailbox of the batch does not exist');
      return results;
    }
    const results: DeliveryResult[] = [];
    for (const delivery of deliveries) {
      results.push(
        (await applySimpleDelivery(db, delivery, undefined)) ?? (await applyDelivery(db, delivery)),
      );
    }
    await this.#announce(db, results);
    return results;
  }

  /**
   * The notification of what `results` placed, delivered at commit: one for a whole batch (or as
   * few as the payload limit allows), so other processes hear of a burst once, not per message.
   */
  #announce(db: Queryable, results: readonly DeliveryResult[]): Promise<void> {
    return notifyChanges(db, this.#channel, this.#origin, results.flatMap(appended));
  }
}
