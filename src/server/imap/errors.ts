/**
 * The one place where domain errors become IMAP responses: tagged NO with an RFC 5530 response
 * code. Internal errors get a fixed text; the detail goes to the log.
 */
import { isLoftError } from '../../core/errors.ts';

export interface ImapRefusal {
  code: string;
  text: string;
}

export function refusalForError(err: unknown): ImapRefusal {
  if (isLoftError(err)) {
    switch (err.code) {
      case 'NOTFOUND':
        return { code: 'NONEXISTENT', text: 'No such mailbox or message' };
      case 'EXISTS':
        return { code: 'ALREADYEXISTS', text: 'Mailbox already exists' };
      case 'INUSE':
        return { code: 'INUSE', text: 'In use by another session, try again later' };
      case 'EXPUNGED':
        return { code: 'EXPUNGEISSUED', text: 'Message was expunged' };
      case 'INVALID':
        return { code: 'CANNOT', text: 'Operation not allowed' };
      case 'AUTH':
        return { code: 'AUTHENTICATIONFAILED', text: 'Authentication failed' };
      case 'NOSPACE':
      case 'TEMP':
        return { code: 'UNAVAILABLE', text: 'Temporary failure, try again later' };
      default:
        break;
    }
  }
  return { code: 'SERVERBUG', text: 'Internal error, try again later' };
}
