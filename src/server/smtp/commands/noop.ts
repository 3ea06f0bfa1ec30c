/** NOOP (RFC 5321 §4.1.1.9): does nothing, replies OK. */
import type { TextCommand } from '../../../proto/smtp/command-types.ts';
import type { SmtpSession } from '../session.ts';

export function noop(session: SmtpSession, _command: TextCommand): void {
  session.reply(250, '2.0.0', 'OK');
}
