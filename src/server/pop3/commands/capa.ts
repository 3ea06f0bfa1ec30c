/**
 * CAPA (RFC 2449 §5): the capabilities of this connection. They depend on whether it is secure
 * (STLS and plaintext mechanisms), not on the state: what is offered in AUTHORIZATION state is
 * announced in both states (RFC 2449 §5).
 */
import type { CommandOf } from '../../../proto/pop3/command.ts';
import { encodeMultiline } from '../../../proto/pop3/response.ts';
import { advertisedMechanisms } from '../../../proto/sasl/index.ts';
import type { Pop3Session } from '../session.ts';

export function capa(session: Pop3Session, _command: CommandOf<'CAPA'>): void {
  session.send(encodeMultiline('Capability list follows', capabilities(session)));
}

/** The capability lines offered on the session's connection now. */
export function capabilities(session: Pop3Session): string[] {
  const lines = [
    'TOP', // RFC 2449 §6.1
    'UIDL', // RFC 2449 §6.6
    'RESP-CODES', // RFC 2449 §6.4
    'AUTH-RESP-CODE', // RFC 3206 §6
    'PIPELINING', // RFC 2449 §6.6
    'EXPIRE NEVER', // RFC 2449 §6.7: Loft never deletes mail on its own
  ];
  // RFC 2449 §6.3: USER only where USER/PASS may be used now.
  if (session.plaintextAllowed) lines.push('USER');
  const mechanisms = advertisedMechanisms(session.plaintextAllowed);
  if (mechanisms.length > 0) lines.push(`SASL ${mechanisms.join(' ')}`); // RFC 5034 §5
  if (!session.conn.secure) lines.push('STLS'); // RFC 2595 §4: not after TLS is active
  lines.push('UTF8 USER'); // RFC 6856 §2
  lines.push('IMPLEMENTATION Loft'); // RFC 2449 §6.9
  return lines;
}
