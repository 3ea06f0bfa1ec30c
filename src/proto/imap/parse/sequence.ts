/**
 * Sequence sets (RFC 9051 §9 `sequence-set`, RFC 5182 §3 `seq-last-command`): message sequence
 * numbers or UIDs, as ranges, `*` for the largest number in use, `$` for the result saved by
 * `SEARCH RETURN (SAVE)`.
 */

import type { Cursor } from './cursor.ts';

/** RFC 9051 §9 `seq-number = nz-number / "*"`: a number from 1 to 2^32-1, or `'*'`. */
export type SeqNumber = number | '*';

/**
 * RFC 9051 §9 `seq-range`, or a single number when `from === to`. The bounds are kept as sent:
 * `from` may be larger than `to` (`4:2` is `2:4`, RFC 9051 §9 `seq-range`).
 */
export interface SeqRange {
  readonly from: SeqNumber;
  readonly to: SeqNumber;
}

/** A sequence set: ranges as sent, or `saved` for `$` (RFC 5182). */
export type SequenceSet =
  | { readonly kind: 'ranges'; readonly ranges: readonly SeqRange[] }
  | { readonly kind: 'saved' };

const SET_CHARS = /[0-9*:,$]+/y;
const NZ = /^[1-9][0-9]{0,9}$/;

function seqNumber(c: Cursor, text: string): SeqNumber {
  if (text === '*') return '*';
  if (!NZ.test(text) || Number(text) > 0xffffffff) c.fail('Invalid sequence set');
  return Number(text);
}

/**
 * RFC 9051 §9 `sequence-set`. `$` stands alone, as Dovecot accepts it (RFC 5182 §2.1 names the
 * saved result as a whole). Numbers must be 1 to 2^32-1; more than the parser's
 * `maxSequenceRanges` ranges is refused.
 */
export function sequenceSet(c: Cursor): SequenceSet {
  const text = c.match(SET_CHARS, 'a sequence set');
  if (text === '$') return { kind: 'saved' };
  const items = text.split(',');
  if (items.length > c.limits.maxSequenceRanges) c.fail('Too many ranges in sequence set');
  const ranges: SeqRange[] = [];
  for (const item of items) {
    const parts = item.split(':');
    if (parts.length === 1) {
      const n = seqNumber(c, parts[0]!);
      ranges.push({ from: n, to: n });
    } else if (parts.length === 2) {
      ranges.push({ from: seqNumber(c, parts[0]!), to: seqNumber(c, parts[1]!) });
    } else {
      c.fail('Invalid sequence set');
    }
  }
  return { kind: 'ranges', ranges };
}

/**
 * A set of known UIDs (RFC 7162 §3.2.5.2 `known-uids`, `known-uid-set`): a sequence set
 * without `*` or `$`.
 */
export function uidSet(c: Cursor): SequenceSet {
  const set = sequenceSet(c);
  if (set.kind === 'saved' || set.ranges.some((r) => r.from === '*' || r.to === '*')) {
    c.fail('Invalid UID set');
  }
  return set;
}
