/**
 * Reading messages of a mailbox in PostgreSQL, as src/store/sqlite/message-reads.ts: counts for
 * STATUS, the UID list for SELECT, rows by UID, the first unseen UID, and the MIME structures
 * stored with the blobs.
 */
import { LoftError } from '../../core/errors.ts';
import { MessageStates } from '../../core/message-states.ts';
import type { MessageRecord } from '../store.ts';
import { uidSpan } from '../uid-span.ts';
import type { Queryable, Row } from './database.ts';
import { toMessage, toMessageState } from './rows.ts';

export interface MailboxStats {
  messages: number;
  unseen: number;
  deleted: number;
  size: number;
}

/** Every message of a mailbox, ascending by UID (POP3's maildrop, export). */
export async function listMessages(db: Queryable, mailboxId: number): Promise<MessageRecord[]> {
  const { rows } = await db.query('SELECT * FROM messages WHERE mailbox_id = $1 ORDER BY uid', [mailboxId]);
  return rows.map(toMessage);
}

export async function mailboxStats(db: Queryable, mailboxId: number): Promise<MailboxStats> {
  const { rows } = await db.query(
    `SELECT count(*) AS messages, count(*) FILTER (WHERE flags & 1 = 0) AS unseen,
           count(*) FILTER (WHERE flags & 8 != 0) AS deleted, coalesce(sum(size), 0)::bigint AS size
         FROM messages WHERE mailbox_id = $1`,
    [mailboxId],
  );
  const row = rows[0] as Row;
  return {
    messages: row.messages as number,
    unseen: row.unseen as number,
    deleted: row.deleted as number,
    size: row.size as number,
  };
}

/** The state of every message of a mailbox, ascending by UID, without the blob ids. */
export async function readMessageStates(db: Queryable, mailboxId: number): Promise<MessageStates> {
  const { rows } = await db.query(
    'SELECT uid, size, internal_date, flags, keywords, modseq FROM messages WHERE mailbox_id = $1 ORDER BY uid',
    [mailboxId],
  );
  return MessageStates.of(rows.map(toMessageState));
}

/** The UIDs of a mailbox above `afterUid` (all by default), ascending. */
export async function listUids(db: Queryable, mailboxId: number, afterUid = 0): Promise<number[]> {
  const { rows } = await db.query(
    'SELECT uid FROM messages WHERE mailbox_id = $1 AND uid > $2 ORDER BY uid',
    [mailboxId, afterUid],
  );
  return rows.map((r) => r.uid as number);
}

/** The rows of these UIDs, ascending (absent ones skipped). */
export async function getMessages(
  db: Queryable,
  mailboxId: number,
  uids: readonly number[],
): Promise<MessageRecord[]> {
  if (uids.length === 0) return [];
  const span = uidSpan(uids);
  if (span) {
    // A dense ascending set (a FETCH of a range): read by UID span.
    const { rows } = await db.query(
      'SELECT * FROM messages WHERE mailbox_id = $1 AND uid BETWEEN $2 AND $3 ORDER BY uid',
      [mailboxId, span.first, span.last],
    );
    if (span.whole) return rows.map(toMessage);
    const wanted = new Set(uids);
    return rows.map(toMessage).filter((m) => wanted.has(m.uid));
  }
  const { rows } = await db.query(
    'SELECT * FROM messages WHERE mailbox_id = $1 AND uid = ANY($2::bigint[]) ORDER BY uid',
    [mailboxId, uids],
  );
  return rows.map(toMessage);
}

/** The structure stored with a blob; NOTFOUND if absent. */
export async function getStructure(db: Queryable, blobId: string): Promise<string> {
  const { rows } = await db.query('SELECT structure FROM blobs WHERE id = $1', [blobId]);
  if (!rows[0]) throw new LoftError('NOTFOUND', `no blob ${blobId}`);
  return rows[0].structure as string;
}

/** The structures stored with these blobs (absent blobs are left out), in one query. */
export async function getStructures(db: Queryable, blobIds: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (blobIds.length === 0) return out;
  const { rows } = await db.query('SELECT id, structure FROM blobs WHERE id = ANY($1::text[])', [blobIds]);
  for (const row of rows) out.set(row.id as string, row.structure as string);
  return out;
}
