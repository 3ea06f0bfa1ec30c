/**
 * Reading messages of a mailbox in SQLite: counts for STATUS, the UID list for SELECT, and rows by
 * UID, each through one cached statement.
 */
import type { MessageRecord } from '../store.ts';
import type { Prepare } from './messages.ts';
import { type Row, toMessage } from './rows.ts';

export interface MailboxStats {
  messages: number;
  unseen: number;
  deleted: number;
  size: number;
}

export function mailboxStats(prepare: Prepare, mailboxId: number): MailboxStats {
  const row = prepare(
    `SELECT count(*) AS messages, coalesce(sum((flags & 1) = 0), 0) AS unseen,
     coalesce(sum((flags & 8) != 0), 0) AS deleted, coalesce(sum(size), 0) AS size
     FROM messages WHERE mailbox_id = ?`,
  ).get(mailboxId) as Row;
  return {
    messages: row.messages as number,
    unseen: row.unseen as number,
    deleted: row.deleted as number,
    size: row.size as number,
  };
}

/** The UIDs of a mailbox above `afterUid` (all by default), ascending. */
export function listUids(prepare: Prepare, mailboxId: number, afterUid = 0): number[] {
  const rows = prepare('SELECT uid FROM messages WHERE mailbox_id = ? AND uid > ? ORDER BY uid').all(
    mailboxId,
    afterUid,
  ) as Row[];
  return rows.map((r) => r.uid as number);
}

/** The rows of these UIDs, ascending; the UIDs travel as one JSON array, whatever their count. */
export function getMessages(prepare: Prepare, mailboxId: number, uids: readonly number[]): MessageRecord[] {
  if (uids.length === 0) return [];
  const rows = prepare(
    'SELECT * FROM messages WHERE mailbox_id = ? AND uid IN (SELECT value FROM json_each(?)) ORDER BY uid',
  ).all(mailboxId, JSON.stringify(uids)) as Row[];
  return rows.map(toMessage);
}
