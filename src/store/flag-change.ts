/**
 * Applying a flag change to a message's keywords, the same for every backend: keywords compare
 * without regard to case (RFC 9051 §2.3.2), keep the case they were first given, and keep their
 * order, so an unchanged set is no change (and gets no new MODSEQ).
 */
import type { FlagChange } from './store.ts';

/** The keywords after `change` (a replacing set, or additions and removals). */
export function applyKeywords(current: readonly string[], change: FlagChange): string[] {
  const lower = (k: string): string => k.toLowerCase();
  if (change.keywords !== undefined) {
    // Replacing: keep the ones that stay in their order, so an unchanged set is no change.
    const wanted = new Set(change.keywords.map(lower));
    const result = current.filter((k) => wanted.has(lower(k)));
    for (const keyword of change.keywords) {
      if (!result.some((k) => lower(k) === lower(keyword))) result.push(keyword);
    }
    return result;
  }
  const removed = new Set((change.removeKeywords ?? []).map(lower));
  const result = current.filter((k) => !removed.has(lower(k)));
  for (const keyword of change.addKeywords ?? []) {
    if (!result.some((k) => lower(k) === lower(keyword))) result.push(keyword);
  }
  return result;
}

/** True when two keyword lists are the same, in the same order. */
export function sameKeywords(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
