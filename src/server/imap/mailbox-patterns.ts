/**
 * LIST patterns (RFC 9051 §6.3.9): the reference and the pattern are joined, `*` matches
 * anything, `%` anything but the hierarchy delimiter "/". INBOX matches in any case.
 */

export const DELIMITER = '/';

/** A matcher for `reference` + `pattern` (both in Loft's UTF-8 form). */
export function patternMatcher(reference: string, pattern: string): (name: string) => boolean {
  const full =
    pattern.startsWith(DELIMITER) || reference === ''
      ? reference + pattern
      : joinReference(reference, pattern);
  let source = '';
  for (const ch of full) {
    if (ch === '*') source += '.*';
    else if (ch === '%') source += '[^/]*';
    else source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  const regex = new RegExp(`^${source}$`, 'su');
  const inboxRegex = /^inbox(\/|$)/i.test(full) ? new RegExp(`^${source}$`, 'isu') : undefined;
  return (name) =>
    regex.test(name) || (inboxRegex !== undefined && /^INBOX(\/|$)/.test(name) && inboxRegex.test(name));
}

function joinReference(reference: string, pattern: string): string {
  return reference.endsWith(DELIMITER) ? reference + pattern : reference + pattern;
}

/** Every ancestor name of `name` ("a/b/c" → "a", "a/b"). */
export function ancestors(name: string): string[] {
  const parts = name.split(DELIMITER);
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join(DELIMITER));
  return out;
}
