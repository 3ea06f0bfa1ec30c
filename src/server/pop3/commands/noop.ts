/** NOOP (RFC 1939 §5): nothing but `+OK`; it resets the autologout timer like any command. */
import type { CommandOf } from '../../../proto/pop3/command.ts';
import type { Pop3Session } from '../session.ts';

export function noop(session: Pop3Session, _command: CommandOf<'NOOP'>): void {
  session.ok();
}
