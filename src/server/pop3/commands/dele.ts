/**
 * DELE (RFC 1939 §5): marks a message deleted. Nothing is removed until QUIT enters UPDATE
 * state; RSET or a dropped connection keeps the message.
 */
import type { CommandOf } from '../../../proto/pop3/command.ts';
import { lookupRefusal, type Maildrop } from '../maildrop.ts';
import type { Pop3Session } from '../session.ts';

export function dele(session: Pop3Session, command: CommandOf<'DELE'>, maildrop: Maildrop): void {
  const found = maildrop.lookup(command.msg);
  if (!found.ok) {
    session.err(lookupRefusal(command.msg, found.reason));
    return;
  }
  maildrop.markDeleted(command.msg);
  session.ok(`Message ${command.msg} deleted`);
}
