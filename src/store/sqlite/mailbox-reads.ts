/**
 * Reading mailboxes and subscriptions in SQLite, each through one cached statement.
 */
import type { MailboxRecord, OpenedMailbox } from '../store.ts';
import type { Prepare } from './messages.ts';
import { type Row, toMailbox } from './rows.ts';

/** The columns of a mailbox row, with its subscription (see `toMailbox`). */
export const MAILBOX_COLUMNS = `m.*, EXISTS (SELECT 1 FROM subscriptions s WHERE s.account_id = m.account_id AND s.name = m.name) AS subscribed`;

/** The mailboxes of an account, by name. */
export function listMailboxes(prepare: Prepare, accountId: number): MailboxRecord[] {
  const rows = prepare(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE account_id = ? ORDER BY name`).all(
    accountId,
  ) as Row[];
  return rows.map(toMailbox);
}

export function getMailbox(prepare: Prepare, accountId: number, name: string): MailboxRecord | undefined {
  const row = prepare(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE account_id = ? AND name = ?`).get(
    accountId,
    name,
  ) as Row | undefined;
  return row ? toMailbox(row) : undefined;
}

/**
 * The mailbox and its first unseen UID in one statement (one read transaction). The subquery
 * names the partial index of unseen messages (`messages_unseen`): left to itself, SQLite's planner
 * walks the primary key from the lowest UID instead, which reads every message of a mailbox whose
 * messages are all seen (8 ms for 100,000 of them, against 7 µs through the index).
 */
export function openMailbox(prepare: Prepare, accountId: number, name: string): OpenedMailbox | undefined {
  const row = prepare(
    `SELECT ${MAILBOX_COLUMNS},
       (SELECT min(uid) FROM messages INDEXED BY messages_unseen
        WHERE mailbox_id = m.id AND (flags & 1) = 0) AS first_unseen
     FROM mailboxes m WHERE account_id = ? AND name = ?`,
  ).get(accountId, name) as Row | undefined;
  if (!row) return undefined;
  return { mailbox: toMailbox(row), firstUnseenUid: (row.first_unseen as number | null) ?? undefined };
}

export function getMailboxById(prepare: Prepare, id: number): MailboxRecord | undefined {
  const row = prepare(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE id = ?`).get(id) as Row | undefined;
  return row ? toMailbox(row) : undefined;
}

/** The mailbox the caller's transaction has just created (or imported). */
export function readNewMailbox(prepare: Prepare, id: number): MailboxRecord {
  return toMailbox(prepare(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE id = ?`).get(id) as Row);
}

/** The subscribed names of an account (existing mailboxes or not), in order. */
export function listSubscriptions(prepare: Prepare, accountId: number): string[] {
  const rows = prepare('SELECT name FROM subscriptions WHERE account_id = ? ORDER BY name').all(
    accountId,
  ) as Row[];
  return rows.map((r) => r.name as string);
}
