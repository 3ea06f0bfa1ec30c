/**
 * VRFY and EXPN (RFC 5321 §3.5): Loft never confirms or lists users (no enumeration); VRFY gets
 * 252 as §3.5.3 suggests, EXPN is not offered.
 */
import type { VerifyCommand } from '../../../proto/smtp/command-types.ts';
import type { SmtpSession } from '../session.ts';

export function vrfy(session: SmtpSession, _command: VerifyCommand): void {
  session.reply(252, '2.5.0', 'Cannot VRFY user, but will accept message and attempt delivery');
}

export function expn(session: SmtpSession, _command: VerifyCommand): void {
  session.reply(502, '5.5.1', 'EXPN not available');
}
