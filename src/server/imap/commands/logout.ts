/** LOGOUT (RFC 9051 §6.1.3): BYE, then the tagged OK, then close. */
import type { SimpleCommand } from '../../../proto/imap/parse/index.ts';
import type { Completion, ImapSession } from '../session.ts';

export function logout(session: ImapSession, _tag: string, _command: SimpleCommand): Completion {
  session.untaggedStatus('BYE', `${session.settings.hostname} logging out`);
  session.deselect();
  session.ending = true;
  return { kind: 'OK', text: 'LOGOUT completed' };
}
