/**
 * Message flags in commands (RFC 9051 §2.3.2, §9 `flag`, `flag-list`): system flags start with
 * a backslash, keywords are atoms.
 */

import type { Cursor } from './cursor.ts';

/** The system flags a client may set (RFC 9051 §2.3.2); `\Recent` is the server's (RFC 3501). */
export const SYSTEM_FLAGS: readonly string[] = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'];

const BY_UPPER = new Map(SYSTEM_FLAGS.map((f) => [f.toUpperCase(), f]));

/**
 * RFC 9051 §9 `flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" /
 * flag-keyword / flag-extension`. System flags come back in their canonical case (`\seen` →
 * `\Seen`); keywords as sent. A backslash flag other than the five system flags (`\Recent`,
 * `\Foo`) is refused, as Dovecot does: RFC 9051 §2.3.2 reserves `flag-extension` for future
 * standards and no client may set `\Recent`.
 */
export function flag(c: Cursor): string {
  if (c.accept('\\')) {
    const name = `\\${c.atom('a flag')}`;
    const known = BY_UPPER.get(name.toUpperCase());
    if (known === undefined) c.fail(`Invalid system flag ${name}`);
    return known;
  }
  return c.atom('a flag');
}

/** RFC 9051 §9 `flag-list = "(" [flag *(SP flag)] ")"`. */
export function flagList(c: Cursor): string[] {
  return c.list(() => flag(c), true, 'flag list');
}
