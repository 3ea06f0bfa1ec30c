/**
 * USER (RFC 1939 §7): remembers the name for the PASS that must follow. The answer is the same
 * whether or not the account exists, so USER cannot be used to probe for names. Refused where
 * plaintext passwords are not allowed (only over TLS, or from loopback, by default).
 */
import type { CommandOf } from '../../../proto/pop3/command.ts';
import type { Pop3Session } from '../session.ts';

export function user(session: Pop3Session, command: CommandOf<'USER'>): void {
  if (!session.plaintextAllowed) {
    session.pendingUser = undefined;
    session.err('Plaintext authentication disallowed on non-secure connections, use STLS', 'AUTH');
    return;
  }
  session.pendingUser = command.name;
  session.ok('Send PASS');
}
