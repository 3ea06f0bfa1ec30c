/**
 * STLS (RFC 2595 §4): `+OK`, then the TLS handshake. Input the client pipelined after the
 * command is discarded (command injection, CVE-2011-0411), and what the client said before TLS
 * (a pending USER) is forgotten. Only in AUTHORIZATION state, and not once TLS is active.
 */
import type { CommandOf } from '../../../proto/pop3/command.ts';
import type { Pop3Session } from '../session.ts';

export async function stls(session: Pop3Session, _command: CommandOf<'STLS'>): Promise<void> {
  if (session.conn.secure) {
    session.err('Command not permitted when TLS active');
    return;
  }
  session.ok('Begin TLS negotiation');
  await session.flush();
  session.pendingUser = undefined;
  session.utf8 = false;
  try {
    await session.conn.startTls(session.settings.tls, session.settings.idleTimeoutMs);
    session.log.debug({ event: 'tls.start', ...session.conn.tlsInfo() });
  } catch {
    session.log.info({ event: 'tls.failed' });
    session.ending = true;
  }
}
