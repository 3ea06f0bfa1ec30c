/**
 * PASS (RFC 1939 §7): only immediately after USER. On success the maildrop is locked and the
 * session enters TRANSACTION state; a failure is delayed, counted per client address and
 * answered `-ERR [AUTH]` (RFC 3206 §5), and the client may start again with USER.
 */
import type { CommandOf } from '../../../proto/pop3/command.ts';
import { enterTransaction, loginAllowed, loginFailed } from '../login.ts';
import type { Pop3Session } from '../session.ts';

export async function pass(session: Pop3Session, command: CommandOf<'PASS'>): Promise<void> {
  const name = session.pendingUser;
  session.pendingUser = undefined;
  if (name === undefined) {
    session.err('No user name given, send USER first');
    return;
  }
  if (!session.plaintextAllowed) {
    session.err('Plaintext authentication disallowed on non-secure connections, use STLS', 'AUTH');
    return;
  }
  if (!loginAllowed(session)) return;
  let verified: boolean;
  try {
    verified = await session.services.credentials.verifyPassword(name, command.password);
  } catch (err) {
    session.log.error({ event: 'auth.error', err }, 'credential lookup failed');
    session.err('Temporary authentication failure, try again later', 'SYS/TEMP');
    return;
  }
  if (!verified) {
    await loginFailed(session, 'USER', 'credentials');
    return;
  }
  await enterTransaction(session, name, 'USER');
}
