/**
 * What a successful LOGIN or AUTHENTICATE does (RFC 9051 §6.2): the account becomes the
 * session's, the state authenticated, and the new capabilities are sent in the OK; unless the
 * account already has `imap.max_connections_per_user` sessions, which is NO [LIMIT] (RFC 5530).
 * The session gives its place back when it ends.
 */
import { delay } from '../../core/rate-limit.ts';
import { atom } from '../../proto/imap/value.ts';
import type { Completion, ImapSession } from './session.ts';
import { capabilities } from './table.ts';

export async function loggedIn(
  session: ImapSession,
  username: string,
  mechanism: string,
): Promise<Completion> {
  const accountId = await session.services.accountId(username);
  if (accountId === undefined) return loginFailed(session, mechanism);
  // RFC 5530 §3 LIMIT: an implementation limit, here the sessions one user may hold at once.
  const release = session.services.userSessions.acquire(accountId);
  if (!release) {
    session.log.info({ event: 'auth.limit', protocol: 'imap', mechanism, user: username.toLowerCase() });
    return { kind: 'NO', text: 'Too many sessions for this user', code: { name: 'LIMIT' } };
  }
  session.onEnd(release);
  session.account = { id: accountId, address: username.toLowerCase() };
  session.state = 'authenticated';
  session.log.info({ event: 'auth.success', protocol: 'imap', mechanism, user: session.account.address });
  return {
    kind: 'OK',
    text: 'Logged in',
    code: { name: 'CAPABILITY', args: capabilities(session).map(atom) },
  };
}

export async function loginFailed(session: ImapSession, mechanism: string): Promise<Completion> {
  session.services.authFailures.fail(session.remoteIp);
  session.log.info({ event: 'auth.failure', protocol: 'imap', mechanism });
  await delay(session.settings.authFailureDelayMs);
  return { kind: 'NO', text: 'Authentication failed', code: { name: 'AUTHENTICATIONFAILED' } };
}

/** The refusal while an IP is over its failed-login limit. */
export function tooManyFailures(session: ImapSession): Completion | undefined {
  if (!session.services.authFailures.blocked(session.remoteIp)) return undefined;
  return { kind: 'NO', text: 'Too many failed logins, try again later', code: { name: 'UNAVAILABLE' } };
}
