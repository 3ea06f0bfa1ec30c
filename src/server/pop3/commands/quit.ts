/**
 * QUIT (RFC 1939 §4, §6). In AUTHORIZATION state: goodbye. In TRANSACTION state: the UPDATE
 * state — the messages marked deleted are removed (other sessions see the expunge at once), the
 * lock is released, and the connection closes. If this session no longer holds the maildrop
 * lock, or the removal fails, nothing (or not everything) is removed and the answer says so.
 */
import type { CommandOf } from '../../../proto/pop3/command.ts';
import type { Pop3Session } from '../session.ts';

export async function quit(session: Pop3Session, _command: CommandOf<'QUIT'>): Promise<void> {
  session.ending = true;
  const { maildrop, lock } = session;
  if (session.state !== 'transaction' || !maildrop) {
    session.ok(`${session.settings.hostname} Loft POP3 server signing off`);
    return;
  }
  const uids = maildrop.deletedUids();
  if (uids.length > 0) {
    if (!lock || !(await lock.confirm())) {
      session.err('Maildrop lock was lost, no messages deleted', 'SYS/TEMP');
      return;
    }
    let removed: number;
    try {
      removed = (await session.services.expunge(maildrop.mailboxId, uids)).length;
    } catch (err) {
      session.log.error({ event: 'pop3.update.failed', err });
      // RFC 1939 §6: "-ERR some deleted messages not removed".
      session.err('Some deleted messages not removed', 'SYS/TEMP');
      return;
    }
    session.log.info({ event: 'pop3.update', requested: uids.length, removed });
  }
  await lock?.release();
  const left = maildrop.count;
  session.ok(
    `${session.settings.hostname} Loft POP3 server signing off (${left === 0 ? 'maildrop empty' : `${left} messages left`})`,
  );
}
