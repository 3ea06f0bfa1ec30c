/**
 * Mailbox management in SQLite for IMAP: create, delete, rename (with UIDVALIDITY kept),
 * subscriptions, and copying or moving messages with new UIDs. Each function runs inside a
 * transaction opened by the caller; reads are in mailbox-reads.ts.
 */
import { LoftError } from '../../core/errors.ts';
import type { SpecialUse } from '../store.ts';
import { expunge, type Prepare } from './messages.ts';

type Row = Record<string, unknown>;

/** A UIDVALIDITY never used before in this database (RFC 9051 §2.3.1.1). */
export function newUidValidity(prepare: Prepare): number {
  const row = prepare("SELECT value FROM meta WHERE key = 'last_uid_validity'").get() as Row | undefined;
  const last = row ? Number(row.value) : 0;
  const next = Math.max(Math.floor(Date.now() / 1000), last + 1);
  prepare(
    "INSERT INTO meta (key, value) VALUES ('last_uid_validity', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
  ).run(String(next));
  return next;
}

export function createMailbox(
  prepare: Prepare,
  accountId: number,
  name: string,
  specialUse: SpecialUse | undefined,
): number {
  const row = prepare(
    'INSERT INTO mailboxes (account_id, name, special_use, uid_validity) VALUES (?, ?, ?, ?) RETURNING id',
  ).get(accountId, name, specialUse ?? null, newUidValidity(prepare)) as Row;
  return row.id as number;
}

export function deleteMailbox(prepare: Prepare, mailboxId: number): string[] {
  const uids = (prepare('SELECT uid FROM messages WHERE mailbox_id = ?').all(mailboxId) as Row[]).map(
    (r) => r.uid as number,
  );
  const { orphanBlobs } = expunge(prepare, mailboxId, uids);
  const result = prepare('DELETE FROM mailboxes WHERE id = ?').run(mailboxId);
  if (Number(result.changes) === 0) throw new LoftError('NOTFOUND', 'no such mailbox');
  return orphanBlobs;
}

export function renameMailboxes(
  prepare: Prepare,
  accountId: number,
  renames: readonly (readonly [string, string])[],
): void {
  const find = prepare('SELECT id FROM mailboxes WHERE account_id = ? AND name = ?');
  const rename = prepare('UPDATE mailboxes SET name = ? WHERE id = ?');
  const ids = renames.map(([from]) => {
    const row = find.get(accountId, from) as Row | undefined;
    if (!row) throw new LoftError('NOTFOUND', `no mailbox ${from}`);
    return row.id as number;
  });
  const sources = new Set(renames.map(([from]) => from));
  for (const [, to] of renames) {
    if (!sources.has(to) && find.get(accountId, to)) throw new LoftError('EXISTS', `mailbox ${to} exists`);
  }
  // Two passes through temporary names, so renames may swap or chain within the set.
  ids.forEach((id, i) => {
    rename.run(`\u0000rename-${i}`, id);
  });
  ids.forEach((id, i) => {
    rename.run(renames[i]![1], id);
  });
}

export function setSubscribed(prepare: Prepare, accountId: number, name: string, subscribed: boolean): void {
  if (subscribed)
    prepare('INSERT OR IGNORE INTO subscriptions (account_id, name) VALUES (?, ?)').run(accountId, name);
  else prepare('DELETE FROM subscriptions WHERE account_id = ? AND name = ?').run(accountId, name);
}

export function copyMessages(
  prepare: Prepare,
  fromMailboxId: number,
  uids: readonly number[],
  toMailboxId: number,
  move: boolean,
): { copied: [number, number][]; modseq: number; expungeModseq: number | undefined } {
  const select = prepare('SELECT * FROM messages WHERE mailbox_id = ? AND uid = ?');
  const nextUid = prepare(
    `UPDATE mailboxes SET uid_next = uid_next + 1, highest_modseq = highest_modseq + 1
     WHERE id = ? RETURNING uid_next - 1 AS uid, highest_modseq AS modseq`,
  );
  const insert = prepare(
    `INSERT INTO messages (mailbox_id, uid, blob_id, size, internal_date, flags, keywords, modseq)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const copied: [number, number][] = [];
  let modseq = 0;
  for (const uid of uids) {
    const row = select.get(fromMailboxId, uid) as Row | undefined;
    if (!row) continue;
    const next = nextUid.get(toMailboxId) as { uid: number; modseq: number } | undefined;
    if (!next) throw new LoftError('NOTFOUND', 'no such target mailbox');
    insert.run(
      toMailboxId,
      next.uid,
      row.blob_id as string,
      row.size as number,
      row.internal_date as number,
      row.flags as number,
      row.keywords as string,
      next.modseq,
    );
    copied.push([uid, next.uid]);
    modseq = next.modseq;
  }
  let expungeModseq: number | undefined;
  if (move && copied.length > 0) {
    const { expunged } = expunge(
      prepare,
      fromMailboxId,
      copied.map(([from]) => from),
    );
    expungeModseq = expunged[0]?.modseq;
  }
  return { copied, modseq, expungeModseq };
}
