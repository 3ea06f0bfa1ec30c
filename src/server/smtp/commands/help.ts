/** HELP (RFC 5321 §4.1.1.8): a short list of commands. */
import type { TextCommand } from '../../../proto/smtp/command-types.ts';
import type { SmtpSession } from '../session.ts';

export function help(session: SmtpSession, _command: TextCommand): void {
  session.reply(
    214,
    '2.0.0',
    'Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH',
    'See RFC 5321 and https://www.rfc-editor.org/',
  );
}
