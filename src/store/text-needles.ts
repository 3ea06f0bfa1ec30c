/**
 * Which search needles may narrow a full-text index, for every backend: the index folds case
 * on its own (SQLite's simple case folding, PostgreSQL's lower()), the session confirms with
 * JavaScript's; a needle whose folding could differ between the two must not narrow, so that no
 * message that matches is ever left out.
 */
import { MIN_INDEXED_NEEDLE } from './store.ts';

/**
 * Characters whose case folding may differ between JavaScript's `toLowerCase` (which the session
 * confirms with) and SQLite's simple case folding (which the index uses): a needle
 * holding one of them does not narrow, so no message that matches can be left out. U+0307 is
 * there because JavaScript lowers U+0130 (İ) to "i" + U+0307, which SQLite does not.
 */
const UNSAFE_FOLD = /[\u00b5\u00df\u0130\u0131\u017f\u03a3\u03c2\u03c3\u1e9e\u2126\u212a\u212b]|\u0307/u;

/** True when `needle` can narrow through the trigram index. */
export function indexable(needle: string): boolean {
  let chars = 0;
  for (const ch of needle) {
    // Characters whose lower case is not a single character fold differently in SQLite.
    if (ch.toLowerCase().length !== ch.length || ch === '\u0000') return false;
    chars++;
  }
  return chars >= MIN_INDEXED_NEEDLE && !UNSAFE_FOLD.test(needle);
}
