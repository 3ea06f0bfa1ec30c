/**
 * The responses to SEARCH: `* SEARCH n…` (RFC 3501 §7.2.5) for IMAP4rev1 clients that asked for
 * no RETURN options, and `* ESEARCH (TAG "t") [UID] MIN n MAX n COUNT n ALL set` (RFC 4731 §3.1,
 * RFC 9051 §7.3.4) otherwise; and what SAVE keeps (RFC 5182 §2.1).
 */
import type { SearchReturn } from '../../../proto/imap/parse/search.ts';
import { atom, type ImapValue } from '../../../proto/imap/value.ts';
import type { SearchHit } from './evaluate.ts';

/** RFC 9051 §9 `sequence-set` of ascending numbers, ranges joined: `1:3,5,7:9`. */
export function sequenceSetOf(numbers: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < numbers.length) {
    const from = numbers[i]!;
    let to = from;
    while (i + 1 < numbers.length && numbers[i + 1] === to + 1) to = numbers[++i]!;
    parts.push(from === to ? String(from) : `${from}:${to}`);
    i++;
  }
  return parts.join(',');
}

/** The values of the untagged SEARCH response (after `*`). */
export function searchResponse(hits: readonly SearchHit[], byUid: boolean): ImapValue[] {
  return [atom('SEARCH'), ...hits.map((h) => (byUid ? h.uid : h.seq))];
}

/**
 * The values of the untagged ESEARCH response (after `*`), or undefined when none is sent: SAVE
 * alone returns nothing (RFC 5182 §2.1). MIN, MAX and ALL are left out when nothing matched;
 * COUNT is always given when asked for (RFC 4731 §3.1).
 */
export function esearchResponse(
  tag: string,
  hits: readonly SearchHit[],
  byUid: boolean,
  returns: SearchReturn,
): ImapValue[] | undefined {
  if (returns.save && !returns.min && !returns.max && !returns.all && !returns.count) return undefined;
  const values: ImapValue[] = [atom('ESEARCH'), [atom('TAG'), tag]];
  if (byUid) values.push(atom('UID'));
  const numbers = hits.map((h) => (byUid ? h.uid : h.seq));
  if (returns.min && numbers.length > 0) values.push(atom('MIN'), numbers[0]!);
  if (returns.max && numbers.length > 0) values.push(atom('MAX'), numbers.at(-1)!);
  if (returns.count) values.push(atom('COUNT'), numbers.length);
  if (returns.all && numbers.length > 0) values.push(atom('ALL'), atom(sequenceSetOf(numbers)));
  return values;
}

/**
 * The UIDs SAVE keeps (RFC 5182 §2.1): with MIN and/or MAX but neither ALL nor COUNT, only the
 * lowest and/or highest match; otherwise every match.
 */
export function savedUids(hits: readonly SearchHit[], returns: SearchReturn): number[] {
  if ((returns.min || returns.max) && !returns.all && !returns.count) {
    const out: number[] = [];
    const first = hits[0];
    const last = hits.at(-1);
    if (returns.min && first) out.push(first.uid);
    if (returns.max && last && (!returns.min || last !== first)) out.push(last.uid);
    return out;
  }
  return hits.map((h) => h.uid);
}

/** RETURN (ALL): what an IMAP4rev2 client gets for a SEARCH without RETURN (RFC 9051 §6.4.4). */
export const RETURN_ALL: SearchReturn = { min: false, max: false, all: true, count: false, save: false };
