/**
 * `loft import` into PostgreSQL: mailboxes and messages with the identities they had where they
 * were exported (UIDVALIDITY, UIDs, MODSEQs). Each function runs inside a transaction opened by
 * the caller.
 */
import { LoftError } from '../../core/errors.ts';
import type { ImportedMailbox, ImportedMessage } from '../store.ts';
import type { Queryable, Row } from './database.ts';

export async function importMailbox(db: Queryable, input: ImportedMailbox): Promise<number> {
  const taken = await db.query('SELECT 1 FROM mailboxes WHERE account_id = $1 AND name = $2', [
    input.accountId,
    input.name,
  ]);
  if (taken.rows.length > 0) throw new LoftError('EXISTS', `mailbox ${input.name} exists`);
  const { rows } = await db.query(
    `INSERT INTO mailboxes (account_id, name, special_use, uid_validity, uid_next, highest_modseq)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [
      input.accountId,
      input.name,
      input.specialUse ?? null,
      input.uidValidity,
      input.uidNext,
      input.highestModseq,
    ],
  );
  // Mailboxes created from now on must not reuse this UIDVALIDITY (RFC 9051 §2.3.1.1).
  await db.query(
    `INSERT INTO meta (key, value) VALUES ('last_uid_validity', $1::text)
       ON CONFLICT (key) DO UPDATE SET value = greatest(meta.value::bigint, $1::bigint)::text`,
    [input.uidValidity],
  );
  return (rows[0] as Row).id as number;
}

export async function importMessages(
  db: Queryable,
  mailboxId: number,
  messages: readonly ImportedMessage[],
): Promise<void> {
  if (messages.length === 0) return;
  await db.query(
    `INSERT INTO blobs (id, size, structure) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])
       ON CONFLICT DO NOTHING`,
    [messages.map((m) => m.blob.id), messages.map((m) => m.blob.size), messages.map((m) => m.structure)],
  );
  const inline = messages.filter((m) => m.blob.inline);
  if (inline.length > 0) {
    await db.query(
      'INSERT INTO blob_data (id, data) SELECT * FROM unnest($1::text[], $2::bytea[]) ON CONFLICT DO NOTHING',
      [inline.map((m) => m.blob.id), inline.map((m) => m.blob.inline)],
    );
  }
  await db.query('INSERT INTO search_pending (blob_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING', [
    messages.map((m) => m.blob.id),
  ]);
  await db.query(
    `INSERT INTO messages (mailbox_id, uid, blob_id, size, internal_date, flags, keywords, modseq)
     SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::int[], $7::text[], $8::bigint[])`,
    [
      mailboxId,
      messages.map((m) => m.uid),
      messages.map((m) => m.blob.id),
      messages.map((m) => m.blob.size),
      messages.map((m) => m.internalDate),
      messages.map((m) => m.flags),
      messages.map((m) => JSON.stringify(m.keywords)),
      messages.map((m) => m.modseq),
    ],
  );
  const result = await db.query(
    `UPDATE mailboxes SET uid_next = greatest(uid_next, $2), highest_modseq = greatest(highest_modseq, $3)
     WHERE id = $1`,
    [mailboxId, Math.max(...messages.map((m) => m.uid)) + 1, Math.max(...messages.map((m) => m.modseq))],
  );
  if (result.rowCount === 0) throw new LoftError('NOTFOUND', 'no such mailbox');
}
