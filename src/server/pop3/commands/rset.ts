/** RSET (RFC 1939 §5): unmarks every message marked deleted in this session. */
import type { CommandOf } from '../../../proto/pop3/command.ts';
import type { Maildrop } from '../maildrop.ts';
import type { Pop3Session } from '../session.ts';

export function rset(session: Pop3Session, _command: CommandOf<'RSET'>, maildrop: Maildrop): void {
  maildrop.reset();
  session.ok(`Maildrop has ${maildrop.count} messages (${maildrop.octets} octets)`);
}
