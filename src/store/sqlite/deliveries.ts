/**
 * Applying deliveries to SQLite: the rows of one accepted message (blob, messages with fresh
 * UIDs, search backlog, outbound queue entry), and the full-text index writes. Runs in the commit
 * worker (`commit-worker.ts`), inside the transactions of `commit-batch.ts`, so the fsync never
 * blocks the event loop.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { DeliveryCommit, DeliveryResult, QueueMessageInput, SearchText } from '../store.ts';

interface Statements {
  insertBlob: StatementSync;
  insertBlobData: StatementSync;
  insertSearchDoc: StatementSync;
  insertSearchText: StatementSync;
  addPending: StatementSync;
  removePending: StatementSync;
  blobExists: StatementSync;
  nextUid: StatementSync;
  insertMessage: StatementSync;
  insertQueueMessage: StatementSync;
  insertQueueRecipient: StatementSync;
}

const prepared = new WeakMap<DatabaseSync, Statements>();

function statements(db: DatabaseSync): Statements {
  let s = prepared.get(db);
  if (!s) {
    s = {
      insertBlob: db.prepare('INSERT OR IGNORE INTO blobs (id, size, structure) VALUES (?, ?, ?)'),
      insertBlobData: db.prepare('INSERT OR IGNORE INTO blob_data (id, data) VALUES (?, ?)'),
      insertSearchDoc: db.prepare(
        'INSERT OR IGNORE INTO search_docs (blob_id, truncated) VALUES (?, ?) RETURNING id',
      ),
      insertSearchText: db.prepare('INSERT INTO search_text (rowid, headers, body) VALUES (?, ?, ?)'),
      addPending: db.prepare('INSERT OR IGNORE INTO search_pending (blob_id) VALUES (?)'),
      removePending: db.prepare('DELETE FROM search_pending WHERE blob_id = ?'),
      blobExists: db.prepare('SELECT 1 FROM blobs WHERE id = ?'),
      nextUid: db.prepare(
        `UPDATE mailboxes SET uid_next = uid_next + 1, highest_modseq = highest_modseq + 1
         WHERE id = ? RETURNING uid_next - 1 AS uid, highest_modseq AS modseq`,
      ),
      insertMessage: db.prepare(
        `INSERT INTO messages (mailbox_id, uid, blob_id, size, internal_date, flags, keywords, modseq)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertQueueMessage: db.prepare(
        `INSERT INTO queue_messages (sender, blob_id, blob_offset, env_id, ret, require_tls, smtp_utf8, eight_bit,
         account_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      ),
      insertQueueRecipient: db.prepare(
        `INSERT INTO queue_recipients (message_id, address, orcpt_type, orcpt_address, notify, next_attempt_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
    };
    prepared.set(db, s);
  }
  return s;
}

/**
 * Adds messages' text to the full-text index (migration 5) and takes them off the backlog
 * (migration 6), once per blob, in one transaction. Runs in the commit worker between batches of
 * deliveries. A `null` text only leaves the backlog; a blob removed meanwhile is skipped.
 */
export function indexTexts(
  db: DatabaseSync,
  items: readonly { blobId: string; text: SearchText | null }[],
): void {
  const s = statements(db);
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const { blobId, text } of items) {
      s.removePending.run(blobId);
      if (!text || !s.blobExists.get(blobId)) continue;
      const doc = s.insertSearchDoc.get(blobId, text.truncated ? 1 : 0) as { id: number } | undefined;
      if (doc) s.insertSearchText.run(doc.id, text.headers, text.body);
    }
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

/** Applies one delivery inside the caller's transaction (see `applyBatch` in `commit-batch.ts`). */
export function applyDelivery(db: DatabaseSync, delivery: DeliveryCommit): DeliveryResult {
  const s = statements(db);
  const { blob } = delivery;
  s.insertBlob.run(blob.id, blob.size, delivery.structure);
  if (blob.inline) s.insertBlobData.run(blob.id, blob.inline);
  const placed: DeliveryResult['placed'] = [];
  for (const placement of delivery.placements) {
    const row = s.nextUid.get(placement.mailboxId) as { uid: number; modseq: number } | undefined;
    if (!row) throw new Error(`mailbox ${placement.mailboxId} does not exist`);
    s.insertMessage.run(
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
  // Text is indexed later, off the acknowledgement's path (see `indexTexts`).
  if (delivery.placements.length > 0) s.addPending.run(blob.id);
  const queueId = delivery.queue ? enqueue(s, delivery.queue, delivery.internalDate) : undefined;
  return { placed, queueId };
}

function enqueue(s: Statements, queue: QueueMessageInput, now: number): number {
  const row = s.insertQueueMessage.get(
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
    s.insertQueueRecipient.run(
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
