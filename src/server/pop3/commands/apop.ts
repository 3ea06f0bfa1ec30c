/**
 * APOP (RFC 1939 §7) is not offered: it needs the password stored in a form equivalent to the
 * plaintext, and Loft stores only salted hashes and SCRAM keys. The greeting carries no
 * timestamp, so clients know not to try it; one that does gets a clear refusal.
 */
import type { CommandOf } from '../../../proto/pop3/command.ts';
import type { Pop3Session } from '../session.ts';

export function apop(session: Pop3Session, _command: CommandOf<'APOP'>): void {
  session.err('APOP is not supported, use USER/PASS or AUTH (SCRAM-SHA-256)');
}
