/**
 * Changing messages in SQLite: flags with MODSEQ, expunge with blob reference counting, and
 * lease locks. Each function runs inside a transaction opened by the caller.
 */
import type { StatementSync } from 'node:sqlite';
import { applyKeywords, sameKeywords } from '../flag-change.ts';
import type { FlagChange, FlagUpdate } from '../store.ts';

type Row = Record<string, unknown>;
/** Returns a (cached) prepared statement for the SQL text. */
export type Prepare = (sql: string) => StatementSync;

/** Applies `change` to each message; only messages whose flags really change get a new MODSEQ. */
export function updateFlags(
  prepare: Prepare,
  mailboxId: number,
  uids: readonly number[],
  change: FlagChange,
): FlagUpdate[] {
  if (!change.addKeywords?.length && !change.removeKeywords?.length && change.keywords === undefined)
    return updateSystemFlags(prepare, mailboxId, uids, change);
  const select = prepare('SELECT flags, keywords FROM messages WHERE mailbox_id = ? AND uid = ?');
  const bump = prepare(
    'UPDATE mailboxes SET highest_modseq = highest_modseq + 1 WHERE id = ? RETURNING highest_modseq AS modseq',
  );
  const write = prepare(
    'UPDATE messages SET flags = ?, keywords = ?, modseq = ? WHERE mailbox_id = ? AND uid = ?',
  );
  const updates: FlagUpdate[] = [];
  for (const uid of uids) {
    const row = select.get(mailboxId, uid) as Row | undefined;
    if (!row) continue;
    const oldFlags = row.flags as number;
    const oldKeywords = JSON.parse(row.keywords as string) as string[];
    const flags = (oldFlags | (change.add ?? 0)) & ~(change.remove ?? 0);
    const keywords = applyKeywords(oldKeywords, change);
    if (flags === oldFlags && sameKeywords(keywords, oldKeywords)) continue;
    const { modseq } = bump.get(mailboxId) as { modseq: number };
    write.run(flags, JSON.stringify(keywords), modseq, mailboxId, uid);
    updates.push({ uid, flags, keywords, modseq });
  }
  return updates;
}

/**
 * The common case (system flags only, e.g. \Seen for a whole POP3 download): one statement for
 * the whole operation, changing only the messages whose flags differ. They all get the same new
 * MODSEQ: RFC 7162 §2 asks for a different mod-sequence per STORE (operation), not per message,
 * and the value stays above every earlier one. Per-message statements cost three times as much.
 */
function updateSystemFlags(
  prepare: Prepare,
  mailboxId: number,
  uids: readonly number[],
  change: FlagChange,
): FlagUpdate[] {
  const add = change.add ?? 0;
  const remove = change.remove ?? 0;
  const base = prepare('SELECT highest_modseq AS modseq FROM mailboxes WHERE id = ?').get(mailboxId) as
    | { modseq: number }
    | undefined;
  if (!base || uids.length === 0) return [];
  const modseq = base.modseq + 1;
  const write = prepare(
    `UPDATE messages SET flags = (flags | ?1) & ~?2, modseq = ?3
     WHERE mailbox_id = ?4 AND uid IN (SELECT value FROM json_each(?5))
       AND flags != ((flags | ?1) & ~?2)
     RETURNING uid, flags, keywords`,
  );
  write.setReturnArrays(true);
  const rows = write.all(add, remove, modseq, mailboxId, JSON.stringify(uids)) as unknown as [
    number,
    number,
    string,
  ][];
  if (rows.length === 0) return [];
  prepare('UPDATE mailboxes SET highest_modseq = ? WHERE id = ?').run(modseq, mailboxId);
  const changed = new Map(rows.map(([uid, flags, keywords]) => [uid, { flags, keywords }]));
  // In the order asked (RETURNING's order is unspecified).
  const updates: FlagUpdate[] = [];
  for (const uid of uids) {
    const row = changed.get(uid);
    if (!row) continue;
    changed.delete(uid);
    const keywords = row.keywords === '[]' ? [] : (JSON.parse(row.keywords) as string[]);
    updates.push({ uid, flags: row.flags, keywords, modseq });
  }
  return updates;
}

/**
 * Deletes the messages and remembers their UIDs with the removal's MODSEQ (RFC 7162 §3.2.5);
 * returns them with that MODSEQ, and blobs nothing refers to any more.
 */
export function expunge(
  prepare: Prepare,
  mailboxId: number,
  uids: readonly number[],
): { expunged: { uid: number; modseq: number }[]; orphanBlobs: string[] } {
  const remove = prepare('DELETE FROM messages WHERE mailbox_id = ? AND uid = ? RETURNING blob_id');
  const bump = prepare(
    'UPDATE mailboxes SET highest_modseq = highest_modseq + 1 WHERE id = ? RETURNING highest_modseq AS modseq',
  );
  const expunged: { uid: number; modseq: number }[] = [];
  const blobs = new Set<string>();
  for (const uid of uids) {
    const row = remove.get(mailboxId, uid) as Row | undefined;
    if (!row) continue;
    blobs.add(row.blob_id as string);
    expunged.push({ uid, modseq: 0 });
  }
  if (expunged.length > 0) {
    const { modseq } = bump.get(mailboxId) as { modseq: number };
    const remember = prepare(
      'INSERT OR REPLACE INTO expunged_messages (mailbox_id, uid, modseq) VALUES (?, ?, ?)',
    );
    for (const item of expunged) {
      item.modseq = modseq;
      remember.run(mailboxId, item.uid, modseq);
    }
  }
  return { expunged, orphanBlobs: dropUnusedBlobs(prepare, blobs) };
}

/**
 * Deletes the blob rows (with their inline body and search text) that no message and no queued
 * message refers to any more; returns the ids of those whose body is a file (not inline), so the
 * caller removes their files.
 */
export function dropUnusedBlobs(prepare: Prepare, blobIds: Iterable<string>): string[] {
  const stillUsed = prepare(
    `SELECT (EXISTS (SELECT 1 FROM messages WHERE blob_id = ?1)
       OR EXISTS (SELECT 1 FROM queue_messages WHERE blob_id = ?1)) AS used,
       EXISTS (SELECT 1 FROM blob_data WHERE id = ?1) AS inline`,
  );
  const dropBlob = prepare('DELETE FROM blobs WHERE id = ?');
  const files: string[] = [];
  for (const blob of blobIds) {
    const row = stillUsed.get(blob) as Row;
    if (row.used === 0) {
      dropBlob.run(blob);
      if (row.inline === 0) files.push(blob);
    }
  }
  return files;
}

/** Whether a blob row still exists (for the sweeper of files left by a crash). */
export function isBlobReferenced(prepare: Prepare, blobId: string): boolean {
  const row = prepare('SELECT EXISTS (SELECT 1 FROM blobs WHERE id = ?) AS used').get(blobId) as Row;
  return (row.used as number) === 1;
}

/** Takes or renews a lease; false when another owner holds an unexpired one. */
export function tryLock(
  prepare: Prepare,
  name: string,
  owner: string,
  leaseMs: number,
  now: number,
): boolean {
  const result = prepare(
    `INSERT INTO locks (name, owner, expires_at) VALUES (?1, ?2, ?3)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE locks.owner = excluded.owner OR locks.expires_at <= ?4`,
  ).run(name, owner, now + leaseMs, now);
  return Number(result.changes) === 1;
}

export function releaseLock(prepare: Prepare, name: string, owner: string): void {
  prepare('DELETE FROM locks WHERE name = ? AND owner = ?').run(name, owner);
}
