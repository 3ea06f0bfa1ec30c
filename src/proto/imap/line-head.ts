/**
 * What the framer reads from the start of a command line before any parsing, so that even a
 * command it refuses can be answered with a tagged response naming the command: the tag
 * (RFC 9051 §9 `tag`) and the command name. `head` is the start of the line, one character
 * per octet (latin1).
 */

const TAG = /^[^\x00-\x20\x7f-\xff(){%*"\\+]+(?= |$)/;
const WORD = /^[A-Za-z]+/;

/**
 * RFC 9051 §9 `tag` at the start of a line, if any. When `head` is only the start of a longer
 * line, a tag running to its end may be cut short: it is not trusted.
 */
export function readTag(head: string, truncated: boolean): string | undefined {
  const tag = TAG.exec(head)?.[0];
  return tag === undefined || (truncated && tag.length === head.length) ? undefined : tag;
}

/** The command name after the tag, upper case; `UID FETCH` for UID commands. */
export function readCommandName(head: string, tag: string | undefined): string | undefined {
  if (tag === undefined) return undefined;
  const rest = head.slice(tag.length + 1);
  const name = WORD.exec(rest)?.[0]?.toUpperCase();
  if (name !== 'UID') return name;
  const sub = WORD.exec(rest.slice(4))?.[0];
  return rest[3] === ' ' && sub !== undefined ? `UID ${sub.toUpperCase()}` : name;
}
