/**
 * Rules for the mailbox names a client gives (RFC 9051 §5.1, issue 4 "User isolation"): which
 * names Loft accepts, and their one canonical spelling. Names are compared after Unicode
 * normalisation (NFC), INBOX in any case is `INBOX`, and names that would be ambiguous or unsafe
 * (empty hierarchy levels, `.` and `..` levels, control characters, LIST wildcards) are refused
 * with NO [CANNOT]. Names are always within the session's own account: the store is per account.
 */
import { type MailboxName, normalizeInbox } from '../../proto/imap/parse/index.ts';
import { DELIMITER } from './mailbox-patterns.ts';
import type { Completion, ImapSession } from './session.ts';

/** The longest name, in UTF-8 octets. */
export const MAX_NAME_OCTETS = 255;
/** The most hierarchy levels in one name. */
export const MAX_NAME_LEVELS = 16;

/** A checked name, or why it was refused. */
export type NameCheck = { ok: true; name: string } | { ok: false; reason: string };

// C0 controls, DEL and C1 controls (RFC 9051 §5.1: names should be printable).
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
// The line and paragraph separators (RFC 6855 §3 MUST NOT, Net-Unicode of RFC 5198 §2): refused
// in new names only, so that a mailbox made before they were can still be renamed or deleted.
const SEPARATOR = /[\u2028\u2029]/u;
// RFC 9051 §5.1: `%` and `*` are LIST wildcards; a name containing them could not be listed alone.
const WILDCARD = /[%*]/;

/**
 * The canonical form of a name: NFC, and INBOX (alone or as the first level) in upper case
 * (RFC 9051 §5.1). Never throws; does not check validity.
 */
export function canonicalName(name: string): string {
  return normalizeInbox(name.normalize('NFC'), DELIMITER);
}

/**
 * Checks a name a client wants to create or rename to, or otherwise names (RFC 9051 §5.1), and
 * returns its canonical spelling ({@link canonicalName}). Refused: the empty name, empty
 * hierarchy levels (`a//b`, `/a`, `a/`), levels `.` or `..`, control characters, `%` and `*`,
 * more than {@link MAX_NAME_OCTETS} octets or {@link MAX_NAME_LEVELS} levels. With
 * `newName` (CREATE, RENAME's target), one trailing delimiter is dropped first (RFC 9051 §6.3.4:
 * CREATE `a/` declares an intent to create names below `a`, and creates `a`), and the line and
 * paragraph separators are refused.
 */
export function checkMailboxName(raw: string, options: { newName?: boolean } = {}): NameCheck {
  let name = canonicalName(raw);
  if (options.newName && name.length > 1 && name.endsWith(DELIMITER)) name = name.slice(0, -1);
  if (name === '') return { ok: false, reason: 'Empty mailbox name' };
  if (CONTROL.test(name) || (options.newName && SEPARATOR.test(name)))
    return { ok: false, reason: 'Control characters are not allowed in mailbox names' };
  if (WILDCARD.test(name)) return { ok: false, reason: 'Mailbox names may not contain % or *' };
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_OCTETS)
    return { ok: false, reason: 'Mailbox name too long' };
  const levels = name.split(DELIMITER);
  if (levels.length > MAX_NAME_LEVELS) return { ok: false, reason: 'Mailbox hierarchy too deep' };
  for (const level of levels) {
    if (level === '') return { ok: false, reason: 'Empty hierarchy level in mailbox name' };
    if (level === '.' || level === '..')
      return { ok: false, reason: 'Invalid hierarchy level in mailbox name' };
  }
  return { ok: true, name };
}

/** The name resolved for a command, or the NO [CANNOT] to answer. */
export type ResolvedName = { ok: true; name: string } | { ok: false; completion: Completion };

/**
 * The name a client gave, read in its spelling (UTF-8 or modified UTF-7, RFC 9051 §5.1, RFC 3501
 * §5.1.3) and checked with {@link checkMailboxName}. Invalid modified UTF-7 and refused names give
 * NO [CANNOT].
 */
export function resolveMailboxName(
  session: ImapSession,
  given: MailboxName,
  options: { newName?: boolean } = {},
): ResolvedName {
  const name = session.mailboxName(given);
  if (name === undefined) return cannot('Invalid modified UTF-7 in mailbox name');
  const checked = checkMailboxName(name, options);
  if (!checked.ok) return cannot(checked.reason);
  return { ok: true, name: checked.name };
}

function cannot(text: string): ResolvedName {
  return { ok: false, completion: { kind: 'NO', text, code: { name: 'CANNOT' } } };
}
