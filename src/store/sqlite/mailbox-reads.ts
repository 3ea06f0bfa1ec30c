/**
 * Reading mailboxes and subscriptions in SQLite, each through one cached statement.
 */
import type { MailboxRecord } from '../store.ts';
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
