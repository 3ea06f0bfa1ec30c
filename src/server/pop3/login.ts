/**
 * What USER/PASS and AUTH share: the failed-login policy (refused while the client's address has
 * too many recent failures, each failure delayed and counted) and the move to TRANSACTION state,
 * which locks the maildrop and takes its snapshot (RFC 1939 §4, §8).
 */
import { delay } from '../../core/rate-limit.ts';
import { MaildropLock } from './lock.ts';
import { Maildrop } from './maildrop.ts';
import type { Pop3Session } from './session.ts';

/**
 * True when the client may try to log in now; otherwise queues the refusal. RFC 2449 §8.1.2
 * `[LOGIN-DELAY]`: the client must wait before trying again.
 */
export function loginAllowed(session: Pop3Session): boolean {
  if (!session.services.authFailures.blocked(session.remoteIp)) return true;
  session.err('Too many failed logins, try again later', 'LOGIN-DELAY');
  return false;
}

/** Counts a failed login for the client's address, waits the failure delay, and answers `[AUTH]` (RFC 3206 §5). */
export async function loginFailed(session: Pop3Session, mechanism: string, reason: string): Promise<void> {
  session.services.authFailures.fail(session.remoteIp);
  session.log.info({ event: 'auth.failure', protocol: 'pop3', mechanism, reason });
  await delay(session.settings.authFailureDelayMs);
  session.err('Authentication failed', 'AUTH');
}

/**
 * Completes a login with verified credentials: resolves the account, takes the maildrop lock,
 * snapshots the INBOX and enters TRANSACTION state. When the lock is held by another session the
 * client gets `-ERR [IN-USE]` (RFC 2449 §8.1.1) and stays in AUTHORIZATION state.
 * Service errors propagate (the session maps them); the lock is released first.
 */
export async function enterTransaction(
  session: Pop3Session,
  username: string,
  mechanism: string,
): Promise<void> {
  const { services, settings } = session;
  const accountId = await services.accountId(username);
  if (accountId === undefined) {
    // Verified but gone meanwhile (removed between the two lookups).
    await loginFailed(session, mechanism, 'credentials');
    return;
  }
  const lock = new MaildropLock(services, accountId, settings.lockLeaseMs, session.log);
  if (!(await lock.acquire())) {
    session.log.info({ event: 'pop3.locked', accountId });
    session.err('Maildrop is locked by another POP3 session', 'IN-USE');
    return;
  }
  try {
    const snapshot = await services.openInbox(accountId);
    session.maildrop = new Maildrop(snapshot);
  } catch (err) {
    // RFC 1939 §4: a lock acquired before a negative response is released first.
    await lock.release();
    throw err;
  }
  session.lock = lock;
  session.user = { accountId, address: username.toLowerCase() };
  session.state = 'transaction';
  session.log.info({ event: 'auth.success', protocol: 'pop3', mechanism, user: session.user.address });
  const drop = session.maildrop;
  session.ok(`Logged in, maildrop has ${drop.count} messages (${drop.octets} octets)`);
}
