/**
 * UIDL (RFC 1939 §7): the unique-id listing `msg unique-id` of one message or of every message
 * not marked deleted. The id is derived from UIDVALIDITY and UID (`proto/pop3/uidl.ts`), so it
 * is stable across sessions and restarts and agrees with IMAP.
 */
import type { CommandOf } from '../../../proto/pop3/command.ts';
import { encodeMultiline } from '../../../proto/pop3/response.ts';
import { lookupRefusal, type Maildrop } from '../maildrop.ts';
import type { Pop3Session } from '../session.ts';

export function uidl(session: Pop3Session, command: CommandOf<'UIDL'>, maildrop: Maildrop): void {
  if (command.msg !== null) {
    const found = maildrop.lookup(command.msg);
    if (!found.ok) session.err(lookupRefusal(command.msg, found.reason));
    else session.ok(`${command.msg} ${maildrop.uniqueId(found.message)}`);
    return;
  }
  const lines = maildrop.listing().map(({ number, message }) => `${number} ${maildrop.uniqueId(message)}`);
  session.send(encodeMultiline('Unique-id listing follows', lines));
}
