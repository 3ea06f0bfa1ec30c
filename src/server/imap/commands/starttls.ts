/**
 * STARTTLS (RFC 9051 §6.2.1): OK, then the handshake. Input pipelined after the command is
 * discarded (CVE-2011-0411), and capabilities must be asked again.
 */
import type { SimpleCommand } from '../../../proto/imap/parse/index.ts';
import type { Completion, ImapSession } from '../session.ts';

export async function starttls(
  session: ImapSession,
  tag: string,
  _command: SimpleCommand,
): Promise<Completion> {
  if (session.conn.secure) return { kind: 'BAD', text: 'TLS already active' };
  session.tagged(tag, 'OK', 'Begin TLS negotiation now');
  await session.flush();
  session.framer.clear();
  try {
    await session.conn.startTls(session.settings.tls, 30_000);
  } catch {
    session.ending = true;
  }
  // The tagged response was sent before the handshake; nothing more is said for this command.
  return { kind: 'OK', text: '', silent: true };
}
