/**
 * Mailbox names and patterns as commands carry them (RFC 9051 §9 `mailbox`, `list-mailbox`).
 * The parser cannot know how the client spells names: an IMAP4rev2 or UTF8=ACCEPT client sends
 * UTF-8 (RFC 9051 §5.1, RFC 6855 §3), an IMAP4rev1 client modified UTF-7 (RFC 3501 §5.1.3). So a
 * name carries both readings and the session picks one.
 */

import { decodeMutf7 } from '../mutf7.ts';
import type { Cursor } from './cursor.ts';

/** A mailbox name or LIST pattern as sent, with its two possible readings. */
export interface MailboxName {
  /** The astring as sent, decoded as UTF-8 (names that are not UTF-8 are refused). */
  readonly raw: string;
  /** The name for a UTF-8 client: `raw`, with INBOX in any case written `INBOX`. */
  readonly utf8: string;
  /**
   * The name for a modified UTF-7 client: `raw` decoded (RFC 3501 §5.1.3) with INBOX
   * normalised, or `null` when `raw` is not valid modified UTF-7 (the session answers NO or BAD).
   */
  readonly mutf7: string | null;
}

/**
 * RFC 9051 §5.1: "INBOX" is case-insensitive: any case of it alone is `INBOX`. With a hierarchy
 * `separator`, the INBOX prefix of a child name is normalised too (`inbox/a` → `INBOX/a`), as
 * Dovecot does.
 */
export function normalizeInbox(name: string, separator?: string): string {
  if (name.length === 5 && name.toUpperCase() === 'INBOX') return 'INBOX';
  if (
    separator !== undefined &&
    separator !== '' &&
    name.length > 5 &&
    name.slice(0, 5).toUpperCase() === 'INBOX' &&
    name.startsWith(separator, 5)
  ) {
    return `INBOX${name.slice(5)}`;
  }
  return name;
}

/** Builds a {@link MailboxName} from the text as sent. */
export function mailboxName(raw: string): MailboxName {
  const decoded = decodeMutf7(raw);
  return { raw, utf8: normalizeInbox(raw), mutf7: decoded === null ? null : normalizeInbox(decoded) };
}

/** RFC 9051 §9 `mailbox = "INBOX" / astring`. */
export function mailbox(c: Cursor): MailboxName {
  return mailboxName(c.utf8(c.astring('a mailbox name'), 'Mailbox name'));
}

/**
 * RFC 9051 §9 `list-mailbox = 1*list-char / string` (LIST and LSUB patterns, with `%` and
 * `*`). INBOX is normalised only when it is the whole pattern.
 */
export function listMailbox(c: Cursor): MailboxName {
  return mailboxName(c.utf8(c.listMailbox(), 'Mailbox pattern'));
}
