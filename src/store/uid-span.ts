/** Reading a set of UIDs by span: shared by the SQL backends' message reads. */

/**
 * The span to read `uids` by (`uid BETWEEN first AND last`) when they are ascending and dense (at
 * most half of the span missing, as a slice of a mailbox's UIDs is), and whether every UID of the
 * span was asked for; undefined otherwise, when they travel as a JSON array instead.
 */
export function uidSpan(
  uids: readonly number[],
): { first: number; last: number; whole: boolean } | undefined {
  const first = uids[0]!;
  const last = uids[uids.length - 1]!;
  if (last - first + 1 > 2 * uids.length) return undefined;
  for (let i = 1; i < uids.length; i++) if (uids[i]! <= uids[i - 1]!) return undefined;
  return { first, last, whole: last - first + 1 === uids.length };
}
