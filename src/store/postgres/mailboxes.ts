/**
 * Mailbox management in PostgreSQL for IMAP: create, delete, rename (with UIDVALIDITY kept),
 * subscriptions, and copying or moving messages with new UIDs. Each function runs inside a
 * transaction opened by the caller; reads are in mailbox-reads.ts.
 */
import { LoftError } from '../../core/errors.ts';
import type { SpecialUse } from '../store.ts';
import type { Queryable, Row } from './database.ts';
import { expunge } from './messages.ts';

/** A UIDVALIDITY never used before in this database (RFC 9051 §2.3.1.1), also across processes. */
export async function newUidValidity(db: Queryable): Promise<number> {
  const now = Math.floor(Date.now() / 1000);
  const { rows } = await db.query(
    `INSERT INTO meta (key, value) VALUES ('last_uid_validity', $1::text)
       ON CONFLICT (key) DO UPDATE SET value = greatest(meta.value::bigint + 1, $1::bigint)::text
     RETURNING value::bigint AS value`,
    [now],
  );
  return (rows[0] as Row).value as number;
}

export async function createMailbox(
  db: Queryable,
  accountId: number,
  name: string,
  specialUse: SpecialUse | undefined,
): Promise<number> {
  const { rows } = await db.query(
    'INSERT INTO mailboxes (account_id, name, special_use, uid_validity) VALUES ($1, $2, $3, $4) RETURNING id',
    [accountId, name, specialUse ?? null, await newUidValidity(db)],
  );
  return (rows[0] as Row).id as number;
}

export async function deleteMailbox(db: Queryable, mailboxId: number): Promise<string[]> {
  const { rows } = await db.query('SELECT uid FROM messages WHERE mailbox_id = $1', [mailboxId]);
  const { orphanBlobs } = await expunge(
    db,
    mailboxId,
    (rows as Row[]).map((r) => r.uid as number),
  );
  const result = await db.query('DELETE FROM mailboxes WHERE id = $1', [mailboxId]);
  if (result.rowCount === 0) throw new LoftError('NOTFOUND', 'no such mailbox');
  return orphanBlobs;
}

export async function renameMailboxes(
  db: Queryable,
  accountId: number,
  renames: readonly (readonly [string, string])[],
): Promise<void> {
  const find = async (name: string): Promise<number | undefined> =>
    (
      (await db.query('SELECT id FROM mailboxes WHERE account_id = $1 AND name = $2', [accountId, name]))
        .rows[0] as Row | undefined
    )?.id as number | undefined;
  const ids: number[] = [];
  for (const [from] of renames) {
    const id = await find(from);
    if (id === undefined) throw new LoftError('NOTFOUND', `no mailbox ${from}`);
    ids.push(id);
  }
  const sources = new Set(renames.map(([from]) => from));
  for (const [, to] of renames) {
    if (!sources.has(to) && (await find(to)) !== undefined)
      throw new LoftError('EXISTS', `mailbox ${to} exists`);
  }
  // Two passes through temporary names, so renames may swap or chain within the set.
  for (const [i, id] of ids.entries()) {
    await db.query('UPDATE mailboxes SET name = $1 WHERE id = $2', [`\u0001rename-${i}`, id]);
  }
  for (const [i, id] of ids.entries()) {
    await db.query('UPDATE mailboxes SET name = $1 WHERE id = $2', [renames[i]![1], id]);
  }
}

export async function setSubscribed(
  db: Queryable,
  accountId: number,
  name: string,
  subscribed: boolean,
): Promise<void> {
  if (subscribed)
    await db.query('INSERT INTO subscriptions (account_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      accountId,
      name,
    ]);
  else await db.query('DELETE FROM subscriptions WHERE account_id = $1 AND name = $2', [accountId, name]);
}

/** Takes `count` UIDs (and as many MODSEQs) of a mailbox at once; the row stays locked till commit. */
export async function allocateUids(
  db: Queryable,
  mailboxId: number,
  count: number,
): Promise<{ uid: number; modseq: number } | undefined> {
  const { rows } = await db.query(
    `UPDATE mailboxes SET uid_next = uid_next + $2, highest_modseq = highest_modseq + $2
     WHERE id = $1 RETURNING uid_next - $2 AS uid, highest_modseq - $2 + 1 AS modseq`,
    [mailboxId, count],
  );
  return rows[0] as { uid: number; modseq: number } | undefined;
}

export async function copyMessages(
  db: Queryable,
  fromMailboxId: number,
  uids: readonly number[],
  toMailboxId: number,
  move: boolean,
): Promise<{ copied: [number, number][]; modseq: number; expungeModseq: number | undefined }> {
  const { rows } = await db.query(
    'SELECT * FROM messages WHERE mailbox_id = $1 AND uid = ANY($2::bigint[])',
    [fromMailboxId, uids],
  );
  const byUid = new Map((rows as Row[]).map((r) => [r.uid as number, r]));
  const sources = [...new Set(uids)].filter((uid) => byUid.has(uid));
  if (sources.length === 0) return { copied: [], modseq: 0, expungeModseq: undefined };
  const first = await allocateUids(db, toMailboxId, sources.length);
  if (!first) throw new LoftError('NOTFOUND', 'no such target mailbox');
  const copied: [number, number][] = sources.map((uid, i) => [uid, first.uid + i]);
  await db.query(
    `INSERT INTO messages (mailbox_id, uid, blob_id, size, internal_date, flags, keywords, modseq)
     SELECT $1, u.uid, u.blob_id, u.size, u.internal_date, u.flags, u.keywords, u.modseq
       FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::int[], $7::text[], $8::bigint[])
         AS u(uid, blob_id, size, internal_date, flags, keywords, modseq)`,
    [
      toMailboxId,
      copied.map(([, to]) => to),
      sources.map((uid) => byUid.get(uid)!.blob_id),
      sources.map((uid) => byUid.get(uid)!.size),
      sources.map((uid) => byUid.get(uid)!.internal_date),
      sources.map((uid) => byUid.get(uid)!.flags),
      sources.map((uid) => byUid.get(uid)!.keywords),
      sources.map((_, i) => first.modseq + i),
    ],
  );
  const modseq = first.modseq + sources.length - 1;
  let expungeModseq: number | undefined;
  if (move) {
    const { expunged } = await expunge(db, fromMailboxId, sources);
    expungeModseq = expunged[0]?.modseq;
  }
  return { copied, modseq, expungeModseq };
}
