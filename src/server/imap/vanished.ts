/**
 * QRESYNC's report of expunged messages by UID (RFC 7162 §3.2.10 VANISHED): what went since a
 * client's MODSEQ, within a set of UIDs, for SELECT (QRESYNC …) (§3.2.5) and UID FETCH
 * (CHANGEDSINCE n VANISHED) (§3.2.6).
 */
import type { SequenceSet } from '../../proto/imap/parse/index.ts';
import { atom } from '../../proto/imap/value.ts';
import { inRanges } from './search/query.ts';
import { sequenceSetOf } from './search/response.ts';
import type { SelectedMailbox } from './selected.ts';
import type { ImapSession } from './session.ts';
import { savedResult } from './sets.ts';

/** Inclusive UID ranges, ascending and disjoint. */
export type UidRanges = readonly (readonly [number, number])[];

/** A UID set as sorted, merged ranges; `*` is `star` (RFC 9051 §9 `seq-number`). */
export function uidRanges(set: SequenceSet, selected: SelectedMailbox, star: number): UidRanges {
  const raw: [number, number][] =
    set.kind === 'saved'
      ? savedResult(selected).map((uid) => [uid, uid])
      : set.ranges.map((r) => {
          const from = r.from === '*' ? star : r.from;
          const to = r.to === '*' ? star : r.to;
          return from <= to ? [from, to] : [to, from];
        });
  raw.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const range of raw) {
    const last = merged.at(-1);
    if (last && range[0] <= last[1] + 1) last[1] = Math.max(last[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  return merged;
}

/**
 * The UIDs within `within` (all when null) expunged since `modseq`, as a `sequence-set` string
 * ('' when none). When the mailbox's expunge history does not reach back to `modseq`, every UID
 * below UIDNEXT that is not in the mailbox is named: RFC 7162 §3.2.5 lets the server report UIDs
 * the client never saw, never leave out one it knows.
 */
export async function vanishedSince(
  session: ImapSession,
  selected: SelectedMailbox,
  modseq: number,
  within: UidRanges | null,
): Promise<string> {
  const access = session.services.mailboxes;
  const gone = await access.expungedSince(selected.mailbox.id, modseq);
  // A UID the session still counts is not named: its expunge is pending and will be reported as
  // VANISHED (without EARLIER), which also lowers the client's message count.
  if (gone !== undefined) {
    const inside = gone.filter(
      (uid) => (within === null || inRanges(within, uid)) && selected.seqOf(uid) === undefined,
    );
    return sequenceSetOf(inside);
  }
  const mailbox = await access.mailboxById(selected.mailbox.id);
  const top = (mailbox?.uidNext ?? selected.mailbox.uidNext) - 1;
  const ranges = (within ?? [[1, top] as const]).map(([from, to]) => [from, Math.min(to, top)] as const);
  return missing(ranges, selected.uids);
}

/** Sends `* VANISHED (EARLIER) set` unless the set is empty. */
export function sendVanishedEarlier(session: ImapSession, set: string): void {
  if (set !== '') session.untagged(atom('VANISHED'), [atom('EARLIER')], atom(set));
}

/** The parts of `ranges` not in `present` (ascending), as a `sequence-set` string. */
export function missing(ranges: UidRanges, present: readonly number[]): string {
  const parts: string[] = [];
  const push = (from: number, to: number): void => {
    if (from <= to) parts.push(from === to ? String(from) : `${from}:${to}`);
  };
  let i = 0;
  for (const [from, to] of ranges) {
    let next = from;
    while (i < present.length && present[i]! < from) i++;
    while (i < present.length && present[i]! <= to) {
      push(next, present[i]! - 1);
      next = present[i]! + 1;
      i++;
    }
    push(next, to);
  }
  return parts.join(',');
}
