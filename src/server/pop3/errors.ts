/**
 * The one place where domain errors become POP3 `-ERR` responses, with RFC 2449 / RFC 3206
 * response codes. Internal errors get a fixed text; their detail goes to the log only.
 */
import { isLoftError } from '../../core/errors.ts';
import type { ResponseCode } from '../../proto/pop3/response.ts';

export interface Pop3Error {
  code: ResponseCode | undefined;
  text: string;
}

/** Maps an error thrown by a service to the `-ERR` response for the failed command. */
export function responseForError(err: unknown): Pop3Error {
  if (isLoftError(err)) {
    switch (err.code) {
      case 'TEMP':
      case 'NOSPACE':
        // RFC 3206 §4: a temporary problem on the server; the client may retry later.
        return { code: 'SYS/TEMP', text: 'Temporary storage problem, try again later' };
      case 'PERM':
        // RFC 3206 §4: a permanent problem; retrying will not help.
        return { code: 'SYS/PERM', text: 'Permanent storage problem' };
      case 'INUSE':
        // RFC 2449 §8.1.1: the maildrop is locked by another session.
        return { code: 'IN-USE', text: 'Maildrop is in use by another session' };
      case 'NOTFOUND':
      case 'EXPUNGED':
        return { code: undefined, text: 'Message was removed by another session' };
      case 'AUTH':
        // RFC 3206 §5: a problem with the user's credentials.
        return { code: 'AUTH', text: 'Authentication failed' };
      default:
        break;
    }
  }
  return { code: 'SYS/TEMP', text: 'Internal error, try again later' };
}
