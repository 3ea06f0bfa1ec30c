/**
 * Group commit of deliveries for SQLite: every delivery requested during one turn of the event
 * loop is applied in one transaction (each inside its own savepoint, so one failure does not fail
 * the others) and made durable by a single WAL fsync at COMMIT.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { DeliveryCommit, DeliveryResult, QueueMessageInput } from '../store.ts';
import { mapSqliteError } from './database.ts';

interface Pending {
  delivery: DeliveryCommit;
  resolve: (result: DeliveryResult) => void;
  reject: (err: unknown) => void;
}

export class DeliveryCommitter {
  readonly #db: DatabaseSync;
  #pending: Pending[] = [];
  #scheduled = false;
  readonly #insertBlob: StatementSync;
  readonly #nextUid: StatementSync;
  readonly #insertMessage: StatementSync;
  readonly #insertQueueMessage: StatementSync;
  readonly #insertQueueRecipient: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#insertBlob = db.prepare('INSERT OR IGNORE INTO blobs (id, size, structure) VALUES (?, ?, ?)');
    this.#nextUid = db.prepare(
      `UPDATE mailboxes SET uid_next = uid_next + 1, highest_modseq = highest_modseq + 1
       WHERE id = ? RETURNING uid_next - 1 AS uid, highest_modseq AS modseq`,
    );
    this.#insertMessage = db.prepare(
      `INSERT INTO messages (mailbox_id, uid, blob_id, size, internal_date, flags, keywords, modseq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#insertQueueMessage = db.prepare(
      `INSERT INTO queue_messages (sender, blob_id, blob_offset, env_id, ret, require_tls, smtp_utf8, eight_bit,
       account_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    );
    this.#insertQueueRecipient = db.prepare(
      `INSERT INTO queue_recipients (message_id, address, orcpt_type, orcpt_address, notify, next_attempt_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
  }

  commit(delivery: DeliveryCommit): Promise<DeliveryResult> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ delivery, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    const done: [Pending, DeliveryResult][] = [];
    try {
      this.#db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      const mapped = mapSqliteError(err, 'storing message');
      for (const item of batch) item.reject(mapped);
      return;
    }
    for (const item of batch) {
      this.#db.exec('SAVEPOINT delivery');
      try {
        const result = this.#apply(item.delivery);
        this.#db.exec('RELEASE delivery');
        done.push([item, result]);
      } catch (err) {
        this.#db.exec('ROLLBACK TO delivery');
        this.#db.exec('RELEASE delivery');
        item.reject(mapSqliteError(err, 'storing message'));
      }
    }
    try {
      this.#db.exec('COMMIT');
    } catch (err) {
      try {
        this.#db.exec('ROLLBACK');
      } catch {
        // the transaction is already gone
      }
      const mapped = mapSqliteError(err, 'committing messages');
      for (const [item] of done) item.reject(mapped);
      return;
    }
    for (const [item, result] of done) item.resolve(result);
  }

  #apply(delivery: DeliveryCommit): DeliveryResult {
    const { blob } = delivery;
    this.#insertBlob.run(blob.id, blob.size, delivery.structure);
    const placed: DeliveryResult['placed'] = [];
    for (const placement of delivery.placements) {
      const row = this.#nextUid.get(placement.mailboxId) as { uid: number; modseq: number } | undefined;
      if (!row) throw new Error(`mailbox ${placement.mailboxId} does not exist`);
      this.#insertMessage.run(
        placement.mailboxId,
        row.uid,
        blob.id,
        blob.size,
        delivery.internalDate,
        placement.flags ?? 0,
        JSON.stringify(placement.keywords ?? []),
        row.modseq,
      );
      placed.push({ mailboxId: placement.mailboxId, uid: row.uid, modseq: row.modseq });
    }
    const queueId = delivery.queue ? this.#enqueue(delivery.queue, delivery.internalDate) : undefined;
    return { placed, queueId };
  }

  #enqueue(queue: QueueMessageInput, now: number): number {
    const row = this.#insertQueueMessage.get(
      queue.sender,
      queue.blob.id,
      queue.blobOffset,
      queue.envId ?? null,
      queue.ret ?? null,
      queue.requireTls ? 1 : 0,
      queue.smtpUtf8 ? 1 : 0,
      queue.eightBit ? 1 : 0,
      queue.accountId ?? null,
      now,
    ) as { id: number };
    for (const rcpt of queue.recipients) {
      this.#insertQueueRecipient.run(
        row.id,
        rcpt.address,
        rcpt.orcpt?.type ?? null,
        rcpt.orcpt?.address ?? null,
        rcpt.notify ? rcpt.notify.join(',') : null,
        now,
      );
    }
    return row.id;
  }
}
