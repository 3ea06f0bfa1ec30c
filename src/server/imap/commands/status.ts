/**
 * STATUS (RFC 9051 §6.3.11) with SIZE (RFC 8438), DELETED, APPENDLIMIT (RFC 7889) and
 * HIGHESTMODSEQ (RFC 7162 §3.1.6, a CONDSTORE enabling command).
 */
import type { StatusCommand, StatusItem } from '../../../proto/imap/parse/index.ts';
import { atom, type ImapValue } from '../../../proto/imap/value.ts';
import { enableCondstore } from '../condstore.ts';
import type { MailboxRecord } from '../services.ts';
import type { Completion, ImapSession } from '../session.ts';

export async function status(
  session: ImapSession,
  _tag: string,
  command: StatusCommand,
): Promise<Completion> {
  const name = session.mailboxName(command.mailbox);
  if (name === undefined) return { kind: 'NO', text: 'Invalid mailbox name', code: { name: 'CANNOT' } };
  const mailbox = await session.services.mailboxes.mailbox(session.account!.id, name);
  if (!mailbox) return { kind: 'NO', text: 'No such mailbox', code: { name: 'NONEXISTENT' } };
  await sendStatus(session, mailbox, command.items);
  return { kind: 'OK', text: 'STATUS completed' };
}

/** One untagged STATUS response (also used by LIST-STATUS, RFC 5819). */
export async function sendStatus(
  session: ImapSession,
  mailbox: MailboxRecord,
  items: readonly StatusItem[],
): Promise<void> {
  if (items.includes('HIGHESTMODSEQ')) await enableCondstore(session); // RFC 7162 §3.1
  const stats = await session.services.mailboxes.stats(mailbox.id);
  const values: ImapValue[] = [];
  for (const item of items) {
    const value = statusValue(item, mailbox, stats, session.settings.appendLimit);
    if (value !== undefined) values.push(atom(item), value);
  }
  session.untagged(atom('STATUS'), session.wireName(mailbox.name), values);
}

function statusValue(
  item: StatusItem,
  mailbox: MailboxRecord,
  stats: { messages: number; unseen: number; deleted: number; size: number },
  appendLimit: number,
): ImapValue | undefined {
  switch (item) {
    case 'MESSAGES':
      return stats.messages;
    case 'RECENT':
      return 0;
    case 'UIDNEXT':
      return mailbox.uidNext;
    case 'UIDVALIDITY':
      return mailbox.uidValidity;
    case 'UNSEEN':
      return stats.unseen;
    case 'DELETED':
      return stats.deleted;
    case 'SIZE':
      return stats.size;
    case 'HIGHESTMODSEQ':
      return mailbox.highestModseq;
    case 'APPENDLIMIT':
      return appendLimit;
    default:
      return undefined;
  }
}
