/**
 * EXPUNGE (RFC 9051 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1): remove \Deleted messages (only
 * those in the set, for UID EXPUNGE) and report each with an untagged EXPUNGE, or all in one
 * VANISHED once QRESYNC is on (RFC 7162 §3.2.10).
 */
import type { ExpungeCommand } from '../../../proto/imap/parse/index.ts';
import type { Completion, ImapSession } from '../session.ts';
import { resolveSet } from '../sets.ts';

export async function expunge(
  session: ImapSession,
  _tag: string,
  command: ExpungeCommand,
): Promise<Completion> {
  const selected = session.selected!;
  if (selected.readOnly) return { kind: 'NO', text: 'Mailbox is read-only', code: { name: 'READ-ONLY' } };
  // Earlier changes first, so sequence numbers below are the client's.
  await session.reportUpdates(true);
  const candidates = command.uid
    ? (resolveSet(selected, command.set, true) ?? []).map((t) => t.uid)
    : [...selected.uids];
  const rows = await session.services.mailboxes.messagesByUid(selected.mailbox.id, candidates);
  const deleted = rows.filter((row) => (row.flags & 8) !== 0).map((row) => row.uid);
  const { expunged: removed, modseq } = await session.services.mailboxes.expungeMessages(
    selected.mailbox.id,
    deleted,
  );
  // EXPUNGE from the highest sequence number down, or VANISHED once QRESYNC is on (RFC 7162 §3.2.10).
  session.reportExpunged(removed);
  selected.forget(removed);
  // RFC 7162 §3.2.7, §3.2.9: with something expunged, the tagged OK tells the MODSEQ of the removal.
  if (modseq !== undefined && session.condstore)
    return { kind: 'OK', text: 'EXPUNGE completed', code: { name: 'HIGHESTMODSEQ', args: [modseq] } };
  return { kind: 'OK', text: 'EXPUNGE completed' };
}
