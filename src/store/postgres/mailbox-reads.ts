/**
 * Reading mailboxes and subscriptions in PostgreSQL, as src/store/sqlite/mailbox-reads.ts.
 */
import type { MailboxRecord, OpenedMailbox } from '../store.ts';
import type { Queryable, Row } from './database.ts';
import { toMailbox } from './rows.ts';

/** The columns of a mailbox row, with its subscription (see `toMailbox`). */
export const MAILBOX_COLUMNS = `m.*, EXISTS (SELECT 1 FROM subscriptions s WHERE s.account_id = m.account_id AND s.name = m.name) AS subscribed`;

/** The mailboxes of an account, by name. */
export async function listMailboxes(db: Queryable, accountId: number): Promise<MailboxRecord[]> {
  const { rows } = await db.query(
    `SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE account_id = $1 ORDER BY name`,
    [accountId],
  );
  return rows.map(toMailbox);
}

export async function getMailbox(
  db: Queryable,
  accountId: number,
  name: string,
): Promise<MailboxRecord | undefined> {
  const { rows } = await db.query(
    `SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE account_id = $1 AND name = $2`,
    [accountId, name],
  );
  return rows[0] ? toMailbox(rows[0]) : undefined;
}

/** The mailbox and its first unseen UID in one statement (one round trip), as SQLite's. */
export async function openMailbox(
  db: Queryable,
  accountId: number,
  name: string,
): Promise<OpenedMailbox | undefined> {
  const { rows } = await db.query(
    `SELECT ${MAILBOX_COLUMNS},
       (SELECT min(uid) FROM messages WHERE mailbox_id = m.id AND (flags & 1) = 0) AS first_unseen
     FROM mailboxes m WHERE account_id = $1 AND name = $2`,
    [accountId, name],
  );
  const row = rows[0];
  if (!row) return undefined;
  return { mailbox: toMailbox(row), firstUnseenUid: (row.first_unseen as number | null) ?? undefined };
}

export async function getMailboxById(db: Queryable, id: number): Promise<MailboxRecord | undefined> {
  const { rows } = await db.query(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE id = $1`, [id]);
  return rows[0] ? toMailbox(rows[0]) : undefined;
}

/** The mailbox the caller's transaction has just created (or imported). */
export async function readNewMailbox(db: Queryable, id: number): Promise<MailboxRecord> {
  const { rows } = await db.query(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE id = $1`, [id]);
  return toMailbox(rows[0] as Row);
}

/** The subscribed names of an account (existing mailboxes or not), in order. */
export async function listSubscriptions(db: Queryable, accountId: number): Promise<string[]> {
  const { rows } = await db.query('SELECT name FROM subscriptions WHERE account_id = $1 ORDER BY name', [
    accountId,
  ]);
  return rows.map((r) => r.name as string);
}
