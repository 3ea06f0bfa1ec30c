/**
 * CONDSTORE and QRESYNC in SQLite (RFC 7162): the conditional flag change of STORE UNCHANGEDSINCE,
 * the messages changed since a MODSEQ, and the UIDs expunged since one. Each function runs inside
 * a transaction (or a read) opened by the caller.
 */
import type { ConditionalFlagResult, FlagChange } from '../store.ts';
import { type Prepare, updateFlags } from './messages.ts';

type Row = Record<string, unknown>;

/**
 * RFC 7162 §3.1.3: the messages whose MODSEQ is above `unchangedSince` are left alone and
 * reported; the others are changed. The caller's transaction makes the test and the change one.
 */
export function updateFlagsUnchangedSince(
  prepare: Prepare,
  mailboxId: number,
  uids: readonly number[],
  change: FlagChange,
  unchangedSince: number,
): ConditionalFlagResult {
  if (uids.length === 0) return { updated: [], modified: [] };
  const rows = prepare(
    `SELECT uid, modseq FROM messages
     WHERE mailbox_id = ? AND uid IN (SELECT value FROM json_each(?)) ORDER BY uid`,
  ).all(mailboxId, JSON.stringify(uids)) as Row[];
  const modified: number[] = [];
  const allowed = new Set<number>();
  for (const row of rows) {
    if ((row.modseq as number) > unchangedSince) modified.push(row.uid as number);
    else allowed.add(row.uid as number);
  }
  const updated = updateFlags(
    prepare,
    mailboxId,
    uids.filter((uid) => allowed.has(uid)),
    change,
  );
  return { updated, modified };
}

/** The UIDs whose MODSEQ is above `modseq`, ascending. */
export function changedSince(prepare: Prepare, mailboxId: number, modseq: number): number[] {
  const rows = prepare('SELECT uid FROM messages WHERE mailbox_id = ? AND modseq > ? ORDER BY uid').all(
    mailboxId,
    modseq,
  ) as Row[];
  return rows.map((r) => r.uid as number);
}

/** The UIDs expunged with a MODSEQ above `modseq`, ascending; undefined before the history starts. */
export function expungedSince(prepare: Prepare, mailboxId: number, modseq: number): number[] | undefined {
  const mailbox = prepare('SELECT expunge_history_from AS since FROM mailboxes WHERE id = ?').get(
    mailboxId,
  ) as Row | undefined;
  if (!mailbox) return [];
  if (modseq < (mailbox.since as number)) return undefined;
  const rows = prepare(
    'SELECT uid FROM expunged_messages WHERE mailbox_id = ? AND modseq > ? ORDER BY uid',
  ).all(mailboxId, modseq) as Row[];
  return rows.map((r) => r.uid as number);
}
