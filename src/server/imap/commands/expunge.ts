/**
 * EXPUNGE (RFC 9051 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1): remove \Deleted messages (only
 * those in the set, for UID EXPUNGE) and report each with an untagged EXPUNGE.
 */
import type { ExpungeCommand } from '../../../proto/imap/parse/index.ts';
import { atom } from '../../../proto/imap/value.ts';
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
  const removed = new Set(await session.services.mailboxes.expunge(selected.mailbox.id, deleted));
  // Report from the highest sequence number down, so each stays valid as the others go.
  const seqs = [...removed].map((uid) => selected.seqOf(uid)).filter((s): s is number => s !== undefined);
  seqs.sort((a, b) => b - a);
  selected.forget(removed);
  for (const seq of seqs) session.untagged(seq, atom('EXPUNGE'));
  return { kind: 'OK', text: 'EXPUNGE completed' };
}
