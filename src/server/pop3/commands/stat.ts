/**
 * STAT (RFC 1939 §5): `+OK count octets`, exactly, for the messages not marked deleted. The
 * octets are what RETR sends before dot-stuffing.
 */
import type { CommandOf } from '../../../proto/pop3/command.ts';
import type { Maildrop } from '../maildrop.ts';
import type { Pop3Session } from '../session.ts';

export function stat(session: Pop3Session, _command: CommandOf<'STAT'>, maildrop: Maildrop): void {
  session.ok(`${maildrop.count} ${maildrop.octets}`);
}
