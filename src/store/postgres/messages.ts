/**
 * Changing messages in PostgreSQL: flags with MODSEQ, expunge with blob reference counting, and
 * lease locks. Each function runs inside a transaction opened by the caller; the mailbox row is
 * locked first (`FOR UPDATE`), so MODSEQs of concurrent changes, from any process, never collide.
 */

import { applyKeywords, sameKeywords } from '../flag-change.ts';
import type { FlagChange, FlagUpdate } from '../store.ts';
import type { Queryable, Row } from './database.ts';

/** Locks the mailbox row for the transaction; its HIGHESTMODSEQ, or undefined if it is gone. */
export async function lockMailbox(db: Queryable, mailboxId: number): Promise<number | undefined> {
  const { rows } = await db.query('SELECT highest_modseq FROM mailboxes WHERE id = $1 FOR UPDATE', [
    mailboxId,
  ]);
  return (rows[0] as Row | undefined)?.highest_modseq as number | undefined;
}

/** Applies `change` to each message; only messages whose flags really change get a new MODSEQ. */
export async function updateFlags(
  db: Queryable,
  mailboxId: number,
  uids: readonly number[],
  change: FlagChange,
): Promise<FlagUpdate[]> {
  const base = await lockMailbox(db, mailboxId);
  if (base === undefined || uids.length === 0) return [];
  const { rows } = await db.query(
    'SELECT uid, flags, keywords FROM messages WHERE mailbox_id = $1 AND uid = ANY($2::bigint[]) ORDER BY uid',
    [mailboxId, uids],
  );
  const byUid = new Map((rows as Row[]).map((r) => [r.uid as number, r]));
  let modseq = base;
  const updates: FlagUpdate[] = [];
  for (const uid of uids) {
    const row = byUid.get(uid);
    if (!row) continue;
    const oldFlags = row.flags as number;
    const oldKeywords = JSON.parse(row.keywords as string) as string[];
    const flags = (oldFlags | (change.add ?? 0)) & ~(change.remove ?? 0);
    const keywords = applyKeywords(oldKeywords, change);
    if (flags === oldFlags && sameKeywords(keywords, oldKeywords)) continue;
    modseq++;
    updates.push({ uid, flags, keywords, modseq });
  }
  if (updates.length === 0) return [];
  await db.query(
    `UPDATE messages m SET flags = u.flags, keywords = u.keywords, modseq = u.modseq
       FROM unnest($2::bigint[], $3::int[], $4::text[], $5::bigint[]) AS u(uid, flags, keywords, modseq)
      WHERE m.mailbox_id = $1 AND m.uid = u.uid`,
    [
      mailboxId,
      updates.map((u) => u.uid),
      updates.map((u) => u.flags),
      updates.map((u) => JSON.stringify(u.keywords)),
      updates.map((u) => u.modseq),
    ],
  );
  await db.query('UPDATE mailboxes SET highest_modseq = $2 WHERE id = $1', [mailboxId, modseq]);
  return updates;
}

/**
 * Deletes the messages and remembers their UIDs with the removal's MODSEQ (RFC 7162 §3.2.5);
 * returns them with that MODSEQ, and blobs nothing refers to any more.
 */
export async function expunge(
  db: Queryable,
  mailboxId: number,
  uids: readonly number[],
): Promise<{ expunged: { uid: number; modseq: number }[]; orphanBlobs: string[] }> {
  const base = await lockMailbox(db, mailboxId);
  if (base === undefined || uids.length === 0) return { expunged: [], orphanBlobs: [] };
  const { rows } = await db.query(
    'DELETE FROM messages WHERE mailbox_id = $1 AND uid = ANY($2::bigint[]) RETURNING uid, blob_id',
    [mailboxId, uids],
  );
  if (rows.length === 0) return { expunged: [], orphanBlobs: [] };
  const modseq = base + 1;
  await db.query('UPDATE mailboxes SET highest_modseq = $2 WHERE id = $1', [mailboxId, modseq]);
  const removed = new Set((rows as Row[]).map((r) => r.uid as number));
  // RFC 7162 §3.2.5: each removal is remembered with its MODSEQ, for VANISHED (EARLIER).
  await db.query(
    `INSERT INTO expunged_messages (mailbox_id, uid, modseq) SELECT $1, u, $3 FROM unnest($2::bigint[]) AS u
       ON CONFLICT (mailbox_id, uid) DO UPDATE SET modseq = excluded.modseq`,
    [mailboxId, [...removed], modseq],
  );
  const expunged = uids.filter((uid) => removed.has(uid)).map((uid) => ({ uid, modseq }));
  const blobs = new Set((rows as Row[]).map((r) => r.blob_id as string));
  return { expunged: dedupe(expunged), orphanBlobs: await dropUnusedBlobs(db, blobs) };
}

function dedupe(items: { uid: number; modseq: number }[]): { uid: number; modseq: number }[] {
  const seen = new Set<number>();
  return items.filter((item) => !seen.has(item.uid) && seen.add(item.uid));
}

/**
 * Deletes the blob rows (with their inline body, search text and backlog entry, by cascade) that
 * no message and no queued message refers to any more; returns the ids of those whose body is a
 * file (not inline), so the caller removes their files.
 */
export async function dropUnusedBlobs(db: Queryable, blobIds: Iterable<string>): Promise<string[]> {
  const ids = [...blobIds];
  if (ids.length === 0) return [];
  const { rows } = await db.query(
    `DELETE FROM blobs b WHERE b.id = ANY($1::text[])
       AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.blob_id = b.id)
       AND NOT EXISTS (SELECT 1 FROM queue_messages q WHERE q.blob_id = b.id)
     RETURNING b.id, EXISTS (SELECT 1 FROM blob_data d WHERE d.id = b.id) AS inline`,
    [ids],
  );
  return (rows as Row[]).filter((r) => r.inline !== true).map((r) => r.id as string);
}

/** Whether a blob row still exists (for the sweeper of files left by a crash). */
export async function isBlobReferenced(db: Queryable, blobId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT EXISTS (SELECT 1 FROM blobs WHERE id = $1) AS used', [blobId]);
  return rows[0]?.used === true;
}

/** Takes or renews a lease; false when another owner holds an unexpired one. */
export async function tryLock(
  db: Queryable,
  name: string,
  owner: string,
  leaseMs: number,
  now: number,
): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO locks (name, owner, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE locks.owner = excluded.owner OR locks.expires_at <= $4`,
    [name, owner, now + leaseMs, now],
  );
  return result.rowCount === 1;
}

export async function releaseLock(db: Queryable, name: string, owner: string): Promise<void> {
  await db.query('DELETE FROM locks WHERE name = $1 AND owner = $2', [name, owner]);
}
