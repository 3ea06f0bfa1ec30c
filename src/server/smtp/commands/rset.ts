/** RSET (RFC 5321 §4.1.1.5): abandons the mail transaction; EHLO and AUTH state stay. */
import type { BareCommand } from '../../../proto/smtp/command-types.ts';
import type { SmtpSession } from '../session.ts';

export function rset(session: SmtpSession, _command: BareCommand): void {
  session.resetTransaction();
  session.reply(250, '2.0.0', 'OK');
}
