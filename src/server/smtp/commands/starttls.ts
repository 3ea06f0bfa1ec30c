/**
 * STARTTLS (RFC 3207): 220, then the TLS handshake. Input the client pipelined after the
 * command is discarded (CVE-2011-0411), and everything learned before TLS is forgotten
 * (RFC 3207 §4.2): the client must EHLO again.
 */
import type { BareCommand } from '../../../proto/smtp/command-types.ts';
import type { SmtpSession } from '../session.ts';

export async function starttls(session: SmtpSession, _command: BareCommand): Promise<void> {
  if (session.conn.secure) {
    session.reply(503, '5.5.1', 'TLS already active');
    return;
  }
  session.reply(220, '2.0.0', 'Ready to start TLS');
  await session.flush();
  session.helo = undefined;
  session.auth = undefined;
  session.resetTransaction();
  try {
    await session.conn.startTls(session.settings.tls, session.settings.commandTimeoutMs);
    session.log.debug({ event: 'tls.start', ...session.conn.tlsInfo() });
  } catch {
    session.log.info({ event: 'tls.failed' });
    session.ending = true;
  }
}
