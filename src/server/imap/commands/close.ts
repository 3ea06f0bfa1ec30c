/**
 * CLOSE (RFC 9051 §6.4.1): silently expunge \Deleted messages (read-write only), then deselect.
 * UNSELECT (RFC 3691): deselect without expunging.
 */
import type { SimpleCommand } from '../../../proto/imap/parse/index.ts';
import type { Completion, ImapSession } from '../session.ts';

export async function close(
  session: ImapSession,
  _tag: string,
  _command: SimpleCommand,
): Promise<Completion> {
  const selected = session.selected!;
  if (!selected.readOnly) {
    const rows = await session.services.mailboxes.messagesByUid(selected.mailbox.id, selected.uids);
    const deleted = rows.filter((row) => (row.flags & 8) !== 0).map((row) => row.uid);
    await session.services.mailboxes.expunge(selected.mailbox.id, deleted);
  }
  session.deselect();
  return { kind: 'OK', text: 'CLOSE completed' };
}

export function unselect(session: ImapSession, _tag: string, _command: SimpleCommand): Completion {
  session.deselect();
  return { kind: 'OK', text: 'UNSELECT completed' };
}
