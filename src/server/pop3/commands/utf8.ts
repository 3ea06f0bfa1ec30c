/**
 * UTF8 (RFC 6856 §2): the client accepts UTF-8 in responses and message headers. Loft sends
 * messages exactly as stored either way (it does not downgrade), and accepts UTF-8 user names
 * and passwords in USER and PASS (the `UTF8 USER` capability) with or without this command.
 */
import type { CommandOf } from '../../../proto/pop3/command.ts';
import type { Pop3Session } from '../session.ts';

export function utf8(session: Pop3Session, _command: CommandOf<'UTF8'>): void {
  session.utf8 = true;
  session.ok('UTF8 enabled');
}
