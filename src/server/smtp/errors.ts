/**
 * The one place where domain errors become SMTP replies (RFC 5321 §4.2, RFC 3463 enhanced codes).
 * Internal errors get a fixed text; their detail goes to the log only.
 */
import { isLoftError } from '../../core/errors.ts';

export interface SmtpReply {
  code: number;
  enhanced: string;
  text: string;
}

/** Maps an error thrown by a service to the reply for a failed MAIL/RCPT/DATA/BDAT. */
export function replyForError(err: unknown): SmtpReply {
  if (isLoftError(err)) {
    switch (err.code) {
      case 'NOSPACE':
        return { code: 452, enhanced: '4.3.1', text: 'Insufficient system storage, try again later' };
      case 'TEMP':
        return { code: 451, enhanced: '4.3.0', text: 'Temporary local problem, try again later' };
      case 'PERM':
        return err.message.includes('loop')
          ? { code: 554, enhanced: '5.4.6', text: 'Routing loop detected: too many Received headers' }
          : { code: 554, enhanced: '5.3.0', text: 'Message refused' };
      case 'INVALID':
        return { code: 501, enhanced: '5.5.4', text: 'Invalid argument' };
      case 'NOTFOUND':
        return { code: 550, enhanced: '5.1.1', text: 'No such user here' };
      default:
        break;
    }
  }
  return { code: 451, enhanced: '4.3.0', text: 'Internal error, try again later' };
}
