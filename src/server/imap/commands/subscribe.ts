/**
 * SUBSCRIBE and UNSUBSCRIBE (RFC 9051 §6.3.7, §6.3.8). The name need not exist (RFC 9051 §6.3.7
 * lets the server check, Loft does not, as Dovecot); UNSUBSCRIBE of a name that is not
 * subscribed is OK (RFC 9051 §6.3.8). UNSUBSCRIBE takes any name as stored, so a client can
 * always remove what it sees in LSUB.
 */
import type { SubscribeCommand } from '../../../proto/imap/parse/index.ts';
import { canonicalName, resolveMailboxName } from '../mailbox-names.ts';
import type { Completion, ImapSession } from '../session.ts';

export async function subscribe(
  session: ImapSession,
  _tag: string,
  command: SubscribeCommand,
): Promise<Completion> {
  const accountId = session.account!.id;
  if (command.name === 'SUBSCRIBE') {
    const resolved = resolveMailboxName(session, command.mailbox);
    if (!resolved.ok) return resolved.completion;
    await session.services.mailboxes.setSubscribed(accountId, resolved.name, true);
    return { kind: 'OK', text: 'SUBSCRIBE completed' };
  }
  const name = session.mailboxName(command.mailbox);
  if (name === undefined)
    return { kind: 'NO', text: 'Invalid modified UTF-7 in mailbox name', code: { name: 'CANNOT' } };
  await session.services.mailboxes.setSubscribed(accountId, canonicalName(name), false);
  return { kind: 'OK', text: 'UNSUBSCRIBE completed' };
}
