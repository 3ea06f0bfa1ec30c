/**
 * The outbound queue in PostgreSQL: reading it, and the runner's leases. Several processes share
 * the database: a claim locks the due rows it looks at with `FOR UPDATE SKIP LOCKED`, so two
 * runners never wait for each other nor lease the same recipient while a lease holds.
 */

import { toQueueRecipient } from '../queue-rows.ts';
import type { QueueBatch, QueueMessageHead, QueueMessageRecord, QueueOutcome } from '../store.ts';
import type { Queryable, Row } from './database.ts';
import { dropUnusedBlobs } from './messages.ts';

const MESSAGE_SELECT = 'SELECT q.*, b.size FROM queue_messages q JOIN blobs b ON b.id = q.blob_id';

/** All queued messages, or the one with `id`, each with its recipients. */
export async function readQueue(db: Queryable, id: number | undefined): Promise<QueueMessageRecord[]> {
  const { rows: messages } =
    id === undefined
      ? await db.query(`${MESSAGE_SELECT} ORDER BY q.id`)
      : await db.query(`${MESSAGE_SELECT} WHERE q.id = $1`, [id]);
  if (messages.length === 0) return [];
  const { rows: recipients } = await db.query(
    'SELECT * FROM queue_recipients WHERE message_id = ANY($1::bigint[]) ORDER BY id',
    [(messages as Row[]).map((m) => m.id)],
  );
  return (messages as Row[]).map((row) => ({
    ...toHead(row),
    recipients: (recipients as Row[]).filter((r) => r.message_id === row.id).map(toQueueRecipient),
  }));
}

/** The domain of an address: after its last `@`, lower case. */
function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** How many due rows are looked at per group asked for. */
const ROWS_PER_GROUP = 50;

/** Leases due recipients grouped by message and domain (see `Store.claimQueue`); in a transaction. */
export async function claimQueue(
  db: Queryable,
  now: number,
  leaseMs: number,
  limit: number,
): Promise<QueueBatch[]> {
  const { rows: due } = await db.query(
    `SELECT id, message_id, address FROM queue_recipients
     WHERE status = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
     ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now, limit * ROWS_PER_GROUP],
  );
  const groups = new Map<string, { messageId: number; domain: string; ids: number[] }>();
  for (const row of due as Row[]) {
    const messageId = row.message_id as number;
    const domain = domainOf(row.address as string);
    const key = `${messageId} ${domain}`;
    let group = groups.get(key);
    if (!group) {
      if (groups.size >= limit) continue;
      group = { messageId, domain, ids: [] };
      groups.set(key, group);
    }
    group.ids.push(row.id as number);
  }
  if (groups.size === 0) return [];
  const leaseUntil = now + leaseMs;
  const ids = [...groups.values()].flatMap((g) => g.ids);
  const { rows: leased } = await db.query(
    'UPDATE queue_recipients SET lease_until = $1 WHERE id = ANY($2::bigint[]) RETURNING *',
    [leaseUntil, ids],
  );
  const byId = new Map((leased as Row[]).map((r) => [r.id as number, toQueueRecipient(r)]));
  const { rows: messages } = await db.query(`${MESSAGE_SELECT} WHERE q.id = ANY($1::bigint[])`, [
    [...new Set([...groups.values()].map((g) => g.messageId))],
  ]);
  const heads = new Map((messages as Row[]).map((m) => [m.id as number, toHead(m)]));
  return [...groups.values()].map((group) => ({
    message: heads.get(group.messageId)!,
    domain: group.domain,
    recipients: group.ids.map((id) => byId.get(id)!),
    leaseUntil,
  }));
}

/** Records outcomes under the lease `leaseUntil` (see `Store.recordQueueOutcomes`); in a transaction. */
export async function recordOutcomes(
  db: Queryable,
  messageId: number,
  leaseUntil: number,
  outcomes: readonly QueueOutcome[],
): Promise<{ applied: number; removed: boolean; orphanBlobs: string[] }> {
  const guard = "WHERE id = $1 AND message_id = $2 AND status = 'pending' AND lease_until = $3";
  let applied = 0;
  for (const o of outcomes) {
    const result =
      o.status === 'retry'
        ? await db.query(
            `UPDATE queue_recipients SET attempts = attempts + 1, next_attempt_at = $4, last_error = $5,
               delay_notified = delay_notified OR $6, lease_until = NULL ${guard}`,
            [o.recipientId, messageId, leaseUntil, o.at, o.error, o.delayNotified === true],
          )
        : await db.query(
            `UPDATE queue_recipients SET status = $4, attempts = attempts + 1, last_error = $5,
               lease_until = NULL ${guard}`,
            [
              o.recipientId,
              messageId,
              leaseUntil,
              o.status,
              o.status === 'failed' ? o.error : (o.detail ?? null),
            ],
          );
    applied += result.rowCount ?? 0;
  }
  const { rows } = await db.query(
    "SELECT count(*) AS n FROM queue_recipients WHERE message_id = $1 AND status = 'pending'",
    [messageId],
  );
  if (((rows[0] as Row).n as number) > 0) return { applied, removed: false, orphanBlobs: [] };
  const removed = await removeMessage(db, messageId);
  return { applied, removed: removed !== undefined, orphanBlobs: removed ?? [] };
}

/** Extends a lease that still holds (see `Store.renewQueueLease`). */
export async function renewLease(
  db: Queryable,
  ids: readonly number[],
  leaseUntil: number,
  next: number,
): Promise<number> {
  const result = await db.query(
    `UPDATE queue_recipients SET lease_until = $1
     WHERE id = ANY($2::bigint[]) AND status = 'pending' AND lease_until = $3`,
    [next, [...ids], leaseUntil],
  );
  return result.rowCount ?? 0;
}

/** Makes pending recipients due now; -1 when `id` names no queued message. */
export async function retryQueue(db: Queryable, id: number | undefined, now: number): Promise<number> {
  if (id !== undefined) {
    const { rows } = await db.query('SELECT 1 FROM queue_messages WHERE id = $1', [id]);
    if (rows.length === 0) return -1;
  }
  const result =
    id === undefined
      ? await db.query("UPDATE queue_recipients SET next_attempt_at = $1 WHERE status = 'pending'", [now])
      : await db.query(
          "UPDATE queue_recipients SET next_attempt_at = $1 WHERE status = 'pending' AND message_id = $2",
          [now, id],
        );
  return result.rowCount ?? 0;
}

/** Deletes a queued message; returns the blobs now unused, or undefined if it was absent. */
export async function removeMessage(db: Queryable, id: number): Promise<string[] | undefined> {
  const { rows } = await db.query('DELETE FROM queue_messages WHERE id = $1 RETURNING blob_id', [id]);
  if (rows.length === 0) return undefined;
  return dropUnusedBlobs(db, [(rows[0] as Row).blob_id as string]);
}

/** When the next pending recipient may be claimed. */
export async function nextDue(db: Queryable): Promise<number | undefined> {
  const { rows } = await db.query(
    `SELECT min(greatest(next_attempt_at, coalesce(lease_until, 0))) AS at FROM queue_recipients
     WHERE status = 'pending'`,
  );
  return ((rows[0] as Row).at as number | null) ?? undefined;
}

function toHead(row: Row): QueueMessageHead {
  return {
    id: row.id as number,
    sender: row.sender as string,
    blobId: row.blob_id as string,
    blobOffset: row.blob_offset as number,
    size: (row.size as number) - (row.blob_offset as number),
    envId: (row.env_id as string | null) ?? undefined,
    ret: (row.ret as 'FULL' | 'HDRS' | null) ?? undefined,
    requireTls: row.require_tls === true,
    smtpUtf8: row.smtp_utf8 === true,
    eightBit: row.eight_bit === true,
    accountId: (row.account_id as number | null) ?? undefined,
    createdAt: row.created_at as number,
  };
}
