/**
 * TOP (RFC 1939 §7): the header, the blank line, and the first n lines of the body, dot-stuffed.
 * Only as much of the message as needed is read (`proto/pop3/top.ts` decides where it ends).
 * TOP does not set \Seen.
 */
import type { CommandOf } from '../../../proto/pop3/command.ts';
import { lookupRefusal, type Maildrop } from '../maildrop.ts';
import type { Pop3Session } from '../session.ts';
import { sendTop } from '../transfer.ts';

export async function top(
  session: Pop3Session,
  command: CommandOf<'TOP'>,
  maildrop: Maildrop,
): Promise<void> {
  const found = maildrop.lookup(command.msg);
  if (!found.ok) {
    session.err(lookupRefusal(command.msg, found.reason));
    return;
  }
  await sendTop(session, found.message, command.lines);
}
