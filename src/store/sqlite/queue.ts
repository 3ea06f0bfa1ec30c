/**
 * The outbound queue in SQLite: reading it, and the runner's leases. Every write runs inside the
 * caller's immediate transaction, so runners in several threads or processes on one database
 * file never lease the same recipient twice while a lease holds.
 */

import { toQueueRecipient } from '../queue-rows.ts';
import type {
  QueueBatch,
  QueueMessageHead,
  QueueMessageRecord,
  QueueOutcome,
  QueueRecipientRecord,
} from '../store.ts';
import { dropUnusedBlobs, type Prepare } from './messages.ts';

type Row = Record<string, unknown>;

const MESSAGE_SELECT = 'SELECT q.*, b.size FROM queue_messages q JOIN blobs b ON b.id = q.blob_id';

/** All queued messages, or the one with `id`, each with its recipients. */
export function readQueue(prepare: Prepare, id: number | undefined): QueueMessageRecord[] {
  const messages = (
    id === undefined
      ? prepare(`${MESSAGE_SELECT} ORDER BY q.id`).all()
      : prepare(`${MESSAGE_SELECT} WHERE q.id = ?`).all(id)
  ) as Row[];
  const recipientsOf = prepare('SELECT * FROM queue_recipients WHERE message_id = ? ORDER BY id');
  return messages.map((row) => ({
    ...toHead(row),
    recipients: (recipientsOf.all(row.id as number) as Row[]).map(toQueueRecipient),
  }));
}

/** The domain of an address: after its last `@`, lower case. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

const DUE = "status = 'pending' AND next_attempt_at <= ?1 AND (lease_until IS NULL OR lease_until <= ?1)";

/**
 * Leases due recipients grouped by message and domain (see `Store.claimQueue`): the first `limit`
 * groups in the order of the due index (the longest waiting first), each with every due recipient
 * of its message at its domain. Runs in the caller's immediate transaction, so no other runner
 * reads between the look and the lease.
 */
export function claimQueue(prepare: Prepare, now: number, leaseMs: number, limit: number): QueueBatch[] {
  // Walk the due index only until `limit` groups are named (the cursor stops there), then take
  // each chosen message's due recipients by the message index.
  const chosen = new Map<number, Set<string>>();
  let groups = 0;
  const due = prepare(
    `SELECT message_id, address FROM queue_recipients WHERE ${DUE} ORDER BY next_attempt_at, id`,
  );
  for (const row of due.iterate(now) as Iterable<Row>) {
    const messageId = row.message_id as number;
    const domain = domainOf(row.address as string);
    let domains = chosen.get(messageId);
    if (!domains) {
      domains = new Set();
      chosen.set(messageId, domains);
    }
    if (!domains.has(domain)) {
      domains.add(domain);
      if (++groups >= limit) break;
    }
  }
  if (groups === 0) return [];
  const leaseUntil = now + leaseMs;
  // By the message's index: left to itself, the planner would walk the due index, every due row.
  const recipientsOf = prepare(
    `SELECT id, address FROM queue_recipients INDEXED BY queue_recipients_message
     WHERE message_id = ?2 AND ${DUE} ORDER BY id`,
  );
  const lease = prepare('UPDATE queue_recipients SET lease_until = ? WHERE id = ? RETURNING *');
  const message = prepare(`${MESSAGE_SELECT} WHERE q.id = ?`);
  const batches: QueueBatch[] = [];
  for (const [messageId, domains] of chosen) {
    const head = toHead(message.get(messageId) as Row);
    const byDomain = new Map<string, QueueRecipientRecord[]>([...domains].map((d) => [d, []]));
    for (const row of recipientsOf.all(now, messageId) as Row[]) {
      const list = byDomain.get(domainOf(row.address as string));
      if (list) list.push(toQueueRecipient(lease.get(leaseUntil, row.id as number) as Row));
    }
    for (const [domain, recipients] of byDomain)
      batches.push({ message: head, domain, recipients, leaseUntil });
  }
  return batches;
}

/** Records outcomes under the lease `leaseUntil` (see `Store.recordQueueOutcomes`). */
export function recordOutcomes(
  prepare: Prepare,
  messageId: number,
  leaseUntil: number,
  outcomes: readonly QueueOutcome[],
): { applied: number; removed: boolean; orphanBlobs: string[] } {
  const guard = "WHERE id = ? AND message_id = ? AND status = 'pending' AND lease_until = ?";
  const done = prepare(
    `UPDATE queue_recipients SET status = ?, attempts = attempts + 1, last_error = ?, lease_until = NULL ${guard}`,
  );
  const retry = prepare(
    `UPDATE queue_recipients SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?,
       delay_notified = max(delay_notified, ?), lease_until = NULL ${guard}`,
  );
  let applied = 0;
  for (const o of outcomes) {
    const result =
      o.status === 'retry'
        ? retry.run(o.at, o.error, o.delayNotified ? 1 : 0, o.recipientId, messageId, leaseUntil)
        : done.run(
            o.status,
            o.status === 'failed' ? o.error : (o.detail ?? null),
            o.recipientId,
            messageId,
            leaseUntil,
          );
    applied += Number(result.changes);
  }
  const pending = prepare(
    "SELECT count(*) AS n FROM queue_recipients WHERE message_id = ? AND status = 'pending'",
  ).get(messageId) as Row | undefined;
  if ((pending?.n as number) > 0) return { applied, removed: false, orphanBlobs: [] };
  const removed = removeMessage(prepare, messageId);
  return { applied, removed: removed !== undefined, orphanBlobs: removed ?? [] };
}

/** Extends a lease that still holds (see `Store.renewQueueLease`). */
export function renewLease(
  prepare: Prepare,
  ids: readonly number[],
  leaseUntil: number,
  next: number,
): number {
  const renew = prepare(
    "UPDATE queue_recipients SET lease_until = ? WHERE id = ? AND status = 'pending' AND lease_until = ?",
  );
  let renewed = 0;
  for (const id of ids) renewed += Number(renew.run(next, id, leaseUntil).changes);
  return renewed;
}

/** Makes pending recipients due now; -1 when `id` names no queued message. */
export function retryQueue(prepare: Prepare, id: number | undefined, now: number): number {
  if (id !== undefined && !prepare('SELECT 1 FROM queue_messages WHERE id = ?').get(id)) return -1;
  const result =
    id === undefined
      ? prepare("UPDATE queue_recipients SET next_attempt_at = ? WHERE status = 'pending'").run(now)
      : prepare(
          "UPDATE queue_recipients SET next_attempt_at = ? WHERE status = 'pending' AND message_id = ?",
        ).run(now, id);
  return Number(result.changes);
}

/** Deletes a queued message; returns the blobs now unused, or undefined if it was absent. */
export function removeMessage(prepare: Prepare, id: number): string[] | undefined {
  const row = prepare('DELETE FROM queue_messages WHERE id = ? RETURNING blob_id').get(id) as Row | undefined;
  if (!row) return undefined;
  return dropUnusedBlobs(prepare, [row.blob_id as string]);
}

/** When the next pending recipient may be claimed. */
export function nextDue(prepare: Prepare): number | undefined {
  const row = prepare(
    `SELECT min(max(next_attempt_at, coalesce(lease_until, 0))) AS at FROM queue_recipients
     WHERE status = 'pending'`,
  ).get() as Row;
  return (row.at as number | null) ?? undefined;
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
    requireTls: row.require_tls === 1,
    smtpUtf8: row.smtp_utf8 === 1,
    eightBit: row.eight_bit === 1,
    accountId: (row.account_id as number | null) ?? undefined,
    createdAt: row.created_at as number,
  };
}
