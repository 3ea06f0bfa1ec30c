/**
 * CONDSTORE and QRESYNC in PostgreSQL (RFC 7162): the conditional flag change of STORE
 * UNCHANGEDSINCE, the messages changed since a MODSEQ, and the UIDs expunged since one. Each
 * function runs inside a transaction (or a read) opened by the caller.
 */
import type { ConditionalFlagResult, FlagChange } from '../store.ts';
import type { Queryable, Row } from './database.ts';
import { lockMailbox, updateFlags } from './messages.ts';

/**
 * RFC 7162 §3.1.3: the messages whose MODSEQ is above `unchangedSince` are left alone and
 * reported; the others are changed. The mailbox row is locked first, so a concurrent change,
 * from any process, cannot slip between the test and the change.
 */
export async function updateFlagsUnchangedSince(
  db: Queryable,
  mailboxId: number,
  uids: readonly number[],
  change: FlagChange,
  unchangedSince: number,
): Promise<ConditionalFlagResult> {
  if (uids.length === 0) return { updated: [], modified: [] };
  if ((await lockMailbox(db, mailboxId)) === undefined) return { updated: [], modified: [] };
  const { rows } = await db.query(
    'SELECT uid, modseq FROM messages WHERE mailbox_id = $1 AND uid = ANY($2::bigint[]) ORDER BY uid',
    [mailboxId, uids],
  );
  const modified: number[] = [];
  const allowed = new Set<number>();
  for (const row of rows as Row[]) {
    if ((row.modseq as number) > unchangedSince) modified.push(row.uid as number);
    else allowed.add(row.uid as number);
  }
  const updated = await updateFlags(
    db,
    mailboxId,
    uids.filter((uid) => allowed.has(uid)),
    change,
  );
  return { updated, modified };
}

/** The UIDs whose MODSEQ is above `modseq`, ascending. */
export async function changedSince(db: Queryable, mailboxId: number, modseq: number): Promise<number[]> {
  const { rows } = await db.query(
    'SELECT uid FROM messages WHERE mailbox_id = $1 AND modseq > $2 ORDER BY uid',
    [mailboxId, modseq],
  );
  return (rows as Row[]).map((r) => r.uid as number);
}

/** The UIDs expunged with a MODSEQ above `modseq`, ascending; undefined before the history starts. */
export async function expungedSince(
  db: Queryable,
  mailboxId: number,
  modseq: number,
): Promise<number[] | undefined> {
  const { rows: boxes } = await db.query(
    'SELECT expunge_history_from AS since FROM mailboxes WHERE id = $1',
    [mailboxId],
  );
  const mailbox = boxes[0] as Row | undefined;
  if (!mailbox) return [];
  if (modseq < (mailbox.since as number)) return undefined;
  const { rows } = await db.query(
    'SELECT uid FROM expunged_messages WHERE mailbox_id = $1 AND modseq > $2 ORDER BY uid',
    [mailboxId, modseq],
  );
  return (rows as Row[]).map((r) => r.uid as number);
}
