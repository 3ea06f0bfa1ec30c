/**
 * Committing an accepted message in PostgreSQL: the blob row (with its inline body), a message
 * row with a fresh UID in each placement's mailbox, the search backlog entry and the outbound
 * queue entry, in one transaction. The UPDATE that takes a UID locks the mailbox row, so
 * concurrent deliveries to one mailbox, from any process, get strictly increasing UIDs and
 * commit in that order. PostgreSQL flushes concurrent commits together (its own group commit).
 */
import type { DeliveryCommit, DeliveryResult, QueueMessageInput, SearchText } from '../store.ts';
import type { Queryable, Row } from './database.ts';
import { allocateUids } from './mailboxes.ts';

/**
 * The common delivery (one mailbox, nothing queued) as one statement, so one round trip and an
 * implicit transaction: blob, inline body, UID, message row, search backlog entry and the
 * notification to other processes (delivered at commit, like every notification). Data-modifying
 * WITH queries all run, whether referenced or not; foreign keys are checked at the end of the
 * statement, when the blob row exists. Nothing is written when the mailbox is gone. Undefined
 * when the delivery is not of that kind, or nothing was written. Without `notify` (a batch that
 * announces all its deliveries at once) the statement sends no notification.
 */
export async function applySimpleDelivery(
  db: Queryable,
  delivery: DeliveryCommit,
  notify: { channel: string; origin: string } | undefined,
): Promise<DeliveryResult | undefined> {
  const placement = delivery.placements[0];
  if (delivery.placements.length !== 1 || delivery.queue || !placement) return undefined;
  const { blob } = delivery;
  const { rows } = await db.query(
    `WITH u AS (
       UPDATE mailboxes SET uid_next = uid_next + 1, highest_modseq = highest_modseq + 1
       WHERE id = $5 RETURNING uid_next - 1 AS uid, highest_modseq AS modseq
     ), b AS (
       INSERT INTO blobs (id, size, structure) SELECT $1, $2, $3 FROM u ON CONFLICT DO NOTHING
     ), d AS (
       INSERT INTO blob_data (id, data) SELECT $1, $4::bytea FROM u WHERE $4::bytea IS NOT NULL
       ON CONFLICT DO NOTHING
     ), m AS (
       INSERT INTO messages (mailbox_id, uid, blob_id, size, internal_date, flags, keywords, modseq)
       SELECT $5, u.uid, $1, $2, $6, $7, $8, u.modseq FROM u RETURNING uid, modseq
     ), p AS (
       INSERT INTO search_pending (blob_id) SELECT $1 FROM u ON CONFLICT DO NOTHING
     )
     SELECT m.uid, m.modseq${
       notify
         ? `, pg_notify($9, json_build_object('o', $10::text, 'c', json_build_array(json_build_array('a', $5::bigint, m.uid, m.modseq)))::text)`
         : ''
     }
       FROM m`,
    [
      blob.id,
      blob.size,
      delivery.structure,
      blob.inline ?? null,
      placement.mailboxId,
      delivery.internalDate,
      placement.flags ?? 0,
      JSON.stringify(placement.keywords ?? []),
      ...(notify ? [notify.channel, notify.origin] : []),
    ],
  );
  const row = rows[0] as Row | undefined;
  // No such mailbox: nothing was written; the general path reports it.
  if (!row) return undefined;
  return {
    placed: [{ mailboxId: placement.mailboxId, uid: row.uid as number, modseq: row.modseq as number }],
    queueId: undefined,
  };
}

export async function applyDelivery(db: Queryable, delivery: DeliveryCommit): Promise<DeliveryResult> {
  const { blob } = delivery;
  await db.query('INSERT INTO blobs (id, size, structure) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
    blob.id,
    blob.size,
    delivery.structure,
  ]);
  if (blob.inline) {
    await db.query('INSERT INTO blob_data (id, data) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      blob.id,
      blob.inline,
    ]);
  }
  const placed: DeliveryResult['placed'] = [];
  for (const placement of delivery.placements) {
    const next = await allocateUids(db, placement.mailboxId, 1);
    if (!next) throw new Error(`mailbox ${placement.mailboxId} does not exist`);
    await db.query(
      `INSERT INTO messages (mailbox_id, uid, blob_id, size, internal_date, flags, keywords, modseq)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        placement.mailboxId,
        next.uid,
        blob.id,
        blob.size,
        delivery.internalDate,
        placement.flags ?? 0,
        JSON.stringify(placement.keywords ?? []),
        next.modseq,
      ],
    );
    placed.push({ mailboxId: placement.mailboxId, uid: next.uid, modseq: next.modseq });
  }
  // Text is indexed later, off the acknowledgement's path (see `indexTexts`).
  if (delivery.placements.length > 0) {
    await db.query('INSERT INTO search_pending (blob_id) VALUES ($1) ON CONFLICT DO NOTHING', [blob.id]);
  }
  const queueId = delivery.queue ? await enqueue(db, delivery.queue, delivery.internalDate) : undefined;
  return { placed, queueId };
}

async function enqueue(db: Queryable, queue: QueueMessageInput, now: number): Promise<number> {
  const { rows } = await db.query(
    `INSERT INTO queue_messages (sender, blob_id, blob_offset, env_id, ret, require_tls, smtp_utf8, eight_bit,
     account_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [
      queue.sender,
      queue.blob.id,
      queue.blobOffset,
      queue.envId ?? null,
      queue.ret ?? null,
      queue.requireTls,
      queue.smtpUtf8,
      queue.eightBit,
      queue.accountId ?? null,
      now,
    ],
  );
  const id = (rows[0] as Row).id as number;
  for (const rcpt of queue.recipients) {
    await db.query(
      `INSERT INTO queue_recipients (message_id, address, orcpt_type, orcpt_address, notify, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        id,
        rcpt.address,
        rcpt.orcpt?.type ?? null,
        rcpt.orcpt?.address ?? null,
        rcpt.notify ? rcpt.notify.join(',') : null,
        now,
      ],
    );
  }
  return id;
}

/**
 * Adds messages' text to the full-text index and takes them off the backlog, once per blob.
 * A `null` text only leaves the backlog; a blob removed meanwhile is skipped.
 */
export async function indexTexts(
  db: Queryable,
  items: readonly { blobId: string; text: SearchText | null }[],
): Promise<void> {
  for (const { blobId, text } of items) {
    await db.query('DELETE FROM search_pending WHERE blob_id = $1', [blobId]);
    if (!text) continue;
    await db.query(
      `INSERT INTO search_docs (blob_id, truncated, headers, body)
       SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM blobs WHERE id = $1)
       ON CONFLICT (blob_id) DO NOTHING`,
      [blobId, text.truncated === true, text.headers, text.body],
    );
  }
}
