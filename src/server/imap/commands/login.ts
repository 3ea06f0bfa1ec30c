/** LOGIN (RFC 9051 §6.2.3): refused with PRIVACYREQUIRED where plaintext passwords are not allowed. */
import type { LoginCommand } from '../../../proto/imap/parse/index.ts';
import { loggedIn, loginFailed, tooManyFailures } from '../login.ts';
import type { Completion, ImapSession } from '../session.ts';

export async function login(session: ImapSession, _tag: string, command: LoginCommand): Promise<Completion> {
  if (!session.plaintextAllowed) {
    return { kind: 'NO', text: 'Use STARTTLS first', code: { name: 'PRIVACYREQUIRED' } };
  }
  const blocked = tooManyFailures(session);
  if (blocked) return blocked;
  const ok = await session.services.credentials.verifyPassword(command.userid, command.password);
  return ok ? loggedIn(session, command.userid, 'LOGIN') : loginFailed(session, 'LOGIN');
}
