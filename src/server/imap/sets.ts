/**
 * Resolving a sequence set against the selected mailbox (RFC 9051 §6.4.8, §9 `seq-number`):
 * message sequence numbers or UIDs, `*` as the largest in use, ranges in either order.
 */
import type { SequenceSet } from '../../proto/imap/parse/index.ts';
import type { SelectedMailbox } from './selected.ts';

export interface Target {
  seq: number;
  uid: number;
}

/** The result saved by SEARCH RETURN (SAVE) for each selection, as UIDs (RFC 5182). */
const savedResults = new WeakMap<SelectedMailbox, readonly number[]>();

/**
 * Keeps `uids` (ascending) as the selection's `$` (RFC 5182 §2.1). It lives as long as the
 * selection: a new SELECT or EXAMINE, CLOSE or UNSELECT starts with an empty `$`. Kept as UIDs,
 * so messages expunged since simply drop out.
 */
export function saveResult(selected: SelectedMailbox, uids: readonly number[]): void {
  savedResults.set(selected, uids);
}

/** The selection's saved result `$`, as UIDs (empty when nothing was saved). */
export function savedResult(selected: SelectedMailbox): readonly number[] {
  return savedResults.get(selected) ?? [];
}

/** The messages a set names as two columns, ascending without repeats: no object per message. */
export interface Targets {
  /** Message sequence numbers. */
  readonly seqs: Uint32Array;
  /** Their UIDs. */
  readonly uids: Uint32Array;
}

/**
 * The messages a set names, in ascending order without repeats. For sequence numbers, numbers
 * beyond the last message make the whole set invalid (`undefined`, answered BAD); for UIDs, UIDs
 * that do not exist are simply skipped (RFC 9051 §6.4.8). `$` names the saved result's messages
 * that still exist, in either form (RFC 5182 §2.1).
 */
export function resolveSet(
  selected: SelectedMailbox,
  set: SequenceSet,
  byUid: boolean,
): Target[] | undefined {
  const targets = resolveTargets(selected, set, byUid);
  if (!targets) return undefined;
  const out: Target[] = new Array(targets.seqs.length);
  for (let i = 0; i < out.length; i++) out[i] = { seq: targets.seqs[i]!, uid: targets.uids[i]! };
  return out;
}

/** {@link resolveSet} as columns (for FETCH of a whole large mailbox). */
export function resolveTargets(
  selected: SelectedMailbox,
  set: SequenceSet,
  byUid: boolean,
): Targets | undefined {
  if (set.kind === 'saved') {
    const seqs: number[] = [];
    const uids: number[] = [];
    for (const uid of savedResult(selected)) {
      const seq = selected.seqOf(uid);
      if (seq === undefined) continue;
      seqs.push(seq);
      uids.push(uid);
    }
    return { seqs: Uint32Array.from(seqs), uids: Uint32Array.from(uids) };
  }
  const count = selected.count;
  // Each range as a run of sequence numbers; the runs sorted and joined, then walked once.
  const runs: [number, number][] = [];
  if (byUid) {
    const maxUid = selected.lastUid ?? 0;
    for (const range of set.ranges) {
      let from = range.from === '*' ? maxUid : range.from;
      let to = range.to === '*' ? maxUid : range.to;
      if (from > to) [from, to] = [to, from];
      // The known UIDs in the range are one run of sequence numbers.
      const seqs = selected.seqRange(from, to);
      if (seqs) runs.push(seqs);
    }
  } else {
    for (const range of set.ranges) {
      let from = range.from === '*' ? count : range.from;
      let to = range.to === '*' ? count : range.to;
      if (from > to) [from, to] = [to, from];
      if (to > count || from < 1) return undefined;
      runs.push([from, to]);
    }
  }
  runs.sort((a, b) => a[0] - b[0]);
  // Overlapping runs joined, so that the columns can be sized before they are filled.
  const joined: [number, number][] = [];
  let total = 0;
  for (const [from, to] of runs) {
    const last = joined.at(-1);
    if (last && from <= last[1] + 1) {
      if (to > last[1]) {
        total += to - last[1];
        last[1] = to;
      }
    } else {
      joined.push([from, to]);
      total += to - from + 1;
    }
  }
  const seqs = new Uint32Array(total);
  const uids = new Uint32Array(total);
  let at = 0;
  for (const [from, to] of joined) {
    for (let seq = from; seq <= to; seq++) seqs[at + seq - from] = seq;
    at = selected.copyUids(from, to, uids, at);
  }
  return { seqs, uids };
}
