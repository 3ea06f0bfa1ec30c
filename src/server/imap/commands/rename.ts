/**
 * RENAME (RFC 9051 §6.3.6): a mailbox and all its inferiors are renamed in one transaction,
 * keeping UIDVALIDITY and UIDs; subscriptions of the renamed names follow them, as Dovecot does.
 * Renaming INBOX is special: its messages move to a new mailbox of that name, INBOX stays (empty)
 * and its inferiors are untouched. A name with inferiors but no mailbox of its own (listed
 * \NonExistent) may be renamed too: its inferiors move.
 */
import type { RenameCommand } from '../../../proto/imap/parse/index.ts';
import { resolveMailboxName } from '../mailbox-names.ts';
import { DELIMITER } from '../mailbox-patterns.ts';
import type { Completion, ImapSession } from '../session.ts';

export async function rename(
  session: ImapSession,
  _tag: string,
  command: RenameCommand,
): Promise<Completion> {
  const from = resolveMailboxName(session, command.from);
  if (!from.ok) return from.completion;
  const to = resolveMailboxName(session, command.to, { newName: true });
  if (!to.ok) return to.completion;
  const accountId = session.account!.id;
  const access = session.services.mailboxes;
  // RFC 9051 §6.3.6: renaming to a name that exists (INBOX always does) is an error.
  if (to.name === 'INBOX' || (await access.mailbox(accountId, to.name))) {
    return { kind: 'NO', text: 'Target mailbox already exists', code: { name: 'ALREADYEXISTS' } };
  }
  if (from.name === 'INBOX') return renameInbox(session, to.name);
  if (to.name.startsWith(`${from.name}${DELIMITER}`)) {
    return { kind: 'NO', text: 'Cannot rename a mailbox into its own hierarchy', code: { name: 'CANNOT' } };
  }
  const prefix = `${from.name}${DELIMITER}`;
  const sources = (await access.listMailboxes(accountId))
    .map((m) => m.name)
    .filter((name) => name === from.name || name.startsWith(prefix));
  if (sources.length === 0) return { kind: 'NO', text: 'No such mailbox', code: { name: 'NONEXISTENT' } };
  const renames = sources.map((name) => [name, to.name + name.slice(from.name.length)] as const);
  await access.renameMailboxes(accountId, renames);
  // Subscriptions follow the names (of these mailboxes only, not of other subscribed names below).
  const subscribed = new Set(await access.subscriptions(accountId));
  for (const [old, renamed] of renames) {
    if (!subscribed.has(old)) continue;
    await access.setSubscribed(accountId, renamed, true);
    await access.setSubscribed(accountId, old, false);
  }
  return { kind: 'OK', text: 'RENAME completed' };
}

/** RFC 9051 §6.3.6: all of INBOX's messages move to a new mailbox; INBOX is left empty. */
async function renameInbox(session: ImapSession, target: string): Promise<Completion> {
  const accountId = session.account!.id;
  const access = session.services.mailboxes;
  const inbox = await access.mailbox(accountId, 'INBOX');
  if (!inbox) return { kind: 'NO', text: 'No INBOX', code: { name: 'NONEXISTENT' } };
  const created = await access.createMailbox(accountId, target);
  await access.copy(inbox.id, await access.uids(inbox.id), created.id, true);
  return { kind: 'OK', text: 'RENAME completed' };
}
