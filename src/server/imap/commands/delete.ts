/**
 * DELETE (RFC 9051 §6.3.5): removes one mailbox and its messages, never its inferiors (their
 * names stay; the deleted name is listed \NonExistent while it has children, as Dovecot does).
 * INBOX cannot be deleted; a name that is not a mailbox is NO [NONEXISTENT]. Deleting the
 * selected mailbox first leaves the selected state, as Dovecot does. Subscriptions stay
 * (RFC 9051 §6.3.7: the server does not remove them on its own).
 */
import type { DeleteCommand } from '../../../proto/imap/parse/index.ts';
import { resolveMailboxName } from '../mailbox-names.ts';
import type { Completion, ImapSession } from '../session.ts';

export async function deleteMailbox(
  session: ImapSession,
  _tag: string,
  command: DeleteCommand,
): Promise<Completion> {
  const resolved = resolveMailboxName(session, command.mailbox);
  if (!resolved.ok) return resolved.completion;
  if (resolved.name === 'INBOX')
    return { kind: 'NO', text: 'INBOX cannot be deleted', code: { name: 'CANNOT' } };
  const access = session.services.mailboxes;
  const mailbox = await access.mailbox(session.account!.id, resolved.name);
  if (!mailbox) return { kind: 'NO', text: 'No such mailbox', code: { name: 'NONEXISTENT' } };
  if (session.selected?.mailbox.id === mailbox.id) session.deselect();
  await access.deleteMailbox(mailbox);
  return { kind: 'OK', text: 'DELETE completed' };
}
