/**
 * LIST (RFC 1939 §5): the scan listing `msg octets` of one message, or of every message not
 * marked deleted as a multi-line response. Octets are what RETR sends before dot-stuffing.
 */
import type { CommandOf } from '../../../proto/pop3/command.ts';
import { encodeMultiline } from '../../../proto/pop3/response.ts';
import { lookupRefusal, type Maildrop } from '../maildrop.ts';
import type { Pop3Session } from '../session.ts';

export function list(session: Pop3Session, command: CommandOf<'LIST'>, maildrop: Maildrop): void {
  if (command.msg !== null) {
    const found = maildrop.lookup(command.msg);
    if (!found.ok) session.err(lookupRefusal(command.msg, found.reason));
    else session.ok(`${command.msg} ${found.message.size}`);
    return;
  }
  const lines = maildrop.listing().map(({ number, message }) => `${number} ${message.size}`);
  session.send(encodeMultiline(`${maildrop.count} messages (${maildrop.octets} octets)`, lines));
}
