/**
 * RETR (RFC 1939 §5): the whole message as a dot-stuffed multi-line response. The message is
 * read and sent in chunks, never held whole. Download-and-keep: the message stays; with
 * `pop3.retr_sets_seen` (the default, as Dovecot) it gets \Seen once it has been sent.
 */
import type { CommandOf } from '../../../proto/pop3/command.ts';
import { lookupRefusal, type Maildrop } from '../maildrop.ts';
import type { Pop3Session } from '../session.ts';
import { sendMessage } from '../transfer.ts';

export async function retr(
  session: Pop3Session,
  command: CommandOf<'RETR'>,
  maildrop: Maildrop,
): Promise<void> {
  const found = maildrop.lookup(command.msg);
  if (!found.ok) {
    session.err(lookupRefusal(command.msg, found.reason));
    return;
  }
  const { message } = found;
  const body = await session.prefetch.take(maildrop, command.msg, message);
  if (!(await sendMessage(session, message, body))) return;
  if (session.settings.retrSetsSeen && !message.seen) {
    session.pendingSeen.push(message.uid);
    message.seen = true;
  }
}
