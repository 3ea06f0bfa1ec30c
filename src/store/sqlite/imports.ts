/**
 * `loft import` into SQLite: mailboxes and messages with the identities they had where they were
 * exported (UIDVALIDITY, UIDs, MODSEQs). Each function runs inside a transaction opened by the
 * caller.
 */
import { LoftError } from '../../core/errors.ts';
import type { ImportedMailbox, ImportedMessage } from '../store.ts';
import type { Prepare } from './messages.ts';

type Row = Record<string, unknown>;

export function importMailbox(prepare: Prepare, input: ImportedMailbox): number {
  const taken = prepare('SELECT 1 FROM mailboxes WHERE account_id = ? AND name = ?').get(
    input.accountId,
    input.name,
  );
  if (taken) throw new LoftError('EXISTS', `mailbox ${input.name} exists`);
  const row = prepare(
    `INSERT INTO mailboxes (account_id, name, special_use, uid_validity, uid_next, highest_modseq)
     VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
  ).get(
    input.accountId,
    input.name,
    input.specialUse ?? null,
    input.uidValidity,
    input.uidNext,
    input.highestModseq,
  ) as Row;
  // Mailboxes created from now on must not reuse this UIDVALIDITY (RFC 9051 §2.3.1.1).
  prepare(
    `INSERT INTO meta (key, value) VALUES ('last_uid_validity', ?)
     ON CONFLICT(key) DO UPDATE SET value = max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))`,
  ).run(String(input.uidValidity));
  return row.id as number;
}

export function importMessages(
  prepare: Prepare,
  mailboxId: number,
  messages: readonly ImportedMessage[],
): void {
  const insertBlob = prepare('INSERT OR IGNORE INTO blobs (id, size, structure) VALUES (?, ?, ?)');
  const insertData = prepare('INSERT OR IGNORE INTO blob_data (id, data) VALUES (?, ?)');
  const pending = prepare('INSERT OR IGNORE INTO search_pending (blob_id) VALUES (?)');
  const insert = prepare(
    `INSERT INTO messages (mailbox_id, uid, blob_id, size, internal_date, flags, keywords, modseq)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let maxUid = 0;
  let maxModseq = 0;
  for (const m of messages) {
    insertBlob.run(m.blob.id, m.blob.size, m.structure);
    if (m.blob.inline) insertData.run(m.blob.id, m.blob.inline);
    pending.run(m.blob.id);
    insert.run(
      mailboxId,
      m.uid,
      m.blob.id,
      m.blob.size,
      m.internalDate,
      m.flags,
      JSON.stringify(m.keywords),
      m.modseq,
    );
    maxUid = Math.max(maxUid, m.uid);
    maxModseq = Math.max(maxModseq, m.modseq);
  }
  const result = prepare(
    `UPDATE mailboxes SET uid_next = max(uid_next, ?), highest_modseq = max(highest_modseq, ?) WHERE id = ?`,
  ).run(maxUid + 1, maxModseq, mailboxId);
  if (Number(result.changes) === 0) throw new LoftError('NOTFOUND', 'no such mailbox');
}
