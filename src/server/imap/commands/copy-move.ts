/**
 * COPY, MOVE and their UID forms (RFC 9051 §6.4.7, §6.4.8; RFC 6851) with COPYUID (RFC 4315
 * §3). The copy is one transaction: all messages or none (RFC 9051 §6.4.7). MOVE answers
 * `* OK [COPYUID …]` first, then an EXPUNGE for each moved message (RFC 6851 §4.3), or one
 * VANISHED for them all once QRESYNC is on (RFC 7162 §3.2.10). A target
 * that does not exist is NO [TRYCREATE]; copying into the selected mailbox itself works.
 */
import type { CopyMoveCommand } from '../../../proto/imap/parse/index.ts';
import { atom } from '../../../proto/imap/value.ts';
import { resolveMailboxName } from '../mailbox-names.ts';
import type { Completion, ImapSession } from '../session.ts';
import { resolveSet } from '../sets.ts';

export async function copyMove(
  session: ImapSession,
  _tag: string,
  command: CopyMoveCommand,
): Promise<Completion> {
  const selected = session.selected!;
  const move = command.name === 'MOVE';
  const targets = resolveSet(selected, command.set, command.uid);
  if (!targets) return { kind: 'BAD', text: 'Message sequence number out of range' };
  const resolved = resolveMailboxName(session, command.mailbox);
  if (!resolved.ok) return resolved.completion;
  const access = session.services.mailboxes;
  const target = await access.mailbox(session.account!.id, resolved.name);
  // RFC 9051 §6.4.7: a missing target is NO [TRYCREATE], so the client may CREATE and retry.
  if (!target) return { kind: 'NO', text: 'No such mailbox', code: { name: 'TRYCREATE' } };
  if (move && selected.readOnly)
    return { kind: 'NO', text: 'Mailbox is read-only', code: { name: 'READ-ONLY' } };
  const done = `${command.uid ? 'UID ' : ''}${command.name} completed`;
  if (targets.length === 0) return { kind: 'OK', text: `${done}, no messages` };
  // MOVE reports earlier changes first, so the sequence numbers of its EXPUNGEs are the client's.
  if (move) await session.reportUpdates(true);
  const { copied, expungeModseq } = await access.copy(
    selected.mailbox.id,
    targets.map((t) => t.uid),
    target.id,
    move,
  );
  // RFC 4315 §3: COPYUID only when something was copied; both sets in the same order.
  if (copied.length === 0) return { kind: 'OK', text: `${done}, no messages` };
  const code = {
    name: 'COPYUID',
    args: [
      target.uidValidity,
      atom(uidSet(copied.map(([from]) => from))),
      atom(uidSet(copied.map(([, to]) => to))),
    ],
  };
  if (!move) return { kind: 'OK', text: done, code };
  const sources = copied.map(([from]) => from);
  session.untaggedStatus('OK', 'Moved', code);
  // EXPUNGE highest first (RFC 9051 §7.5.1), or VANISHED once QRESYNC is on (RFC 7162 §3.2.10).
  session.reportExpunged(sources);
  selected.forget(sources);
  selected.dropFlagChanges(sources);
  // RFC 6851 §4.4: with QRESYNC (or CONDSTORE) on, the source's new HIGHESTMODSEQ, as EXPUNGE tells it.
  if (expungeModseq !== undefined && session.condstore)
    return { kind: 'OK', text: done, code: { name: 'HIGHESTMODSEQ', args: [expungeModseq] } };
  return { kind: 'OK', text: done };
}

/**
 * RFC 4315 §4 `uid-set`: UIDs in the order given, consecutive runs written `a:b`, joined by
 * commas (`[1, 2, 3, 5]` → `1:3,5`). Runs are only merged when ascending by one, so two sets
 * built from paired lists stay paired element by element.
 */
export function uidSet(uids: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < uids.length) {
    const start = uids[i]!;
    let end = start;
    while (i + 1 < uids.length && uids[i + 1] === end + 1) {
      end += 1;
      i += 1;
    }
    parts.push(start === end ? String(start) : `${start}:${end}`);
    i += 1;
  }
  return parts.join(',');
}
