/** QUIT (RFC 5321 §4.1.1.10): 221 and close. */
import type { BareCommand } from '../../../proto/smtp/command-types.ts';
import type { SmtpSession } from '../session.ts';

export function quit(session: SmtpSession, _command: BareCommand): void {
  session.reply(221, '2.0.0', `${session.settings.hostname} Bye`);
  session.ending = true;
}
