/**
 * APPEND (RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502 §6) and BINARY literal8 data
 * (RFC 3516 §4.4).
 */

import type { Cursor } from './cursor.ts';
import { dateTime, type ImapDateTime } from './date.ts';
import { flagList } from './flags.ts';
import { type MailboxName, mailbox } from './mailbox.ts';

/** One message to append. */
export interface AppendMessage {
  /** The flags to set, as `flag-list` gives them (system flags in canonical case). */
  readonly flags: readonly string[];
  /** The internal date asked for, or null (the server uses the current time). */
  readonly internalDate: ImapDateTime | null;
  /** The message octets. */
  readonly data: Buffer;
  /** True when sent as `~{n}` literal8 (RFC 3516): the message may contain NUL and 8-bit data. */
  readonly binary: boolean;
}

/** `APPEND mailbox [flags] [date-time] literal` followed by more messages (MULTIAPPEND). */
export interface AppendCommand {
  readonly name: 'APPEND';
  readonly mailbox: MailboxName;
  readonly messages: readonly AppendMessage[];
}

/**
 * RFC 3502 §6 / RFC 9051 §9 `append = "APPEND" SP mailbox 1*append-message`,
 * `append-message = append-opts SP append-data`, `append-opts = [SP flag-list] [SP date-time]`,
 * `append-data = literal / literal8`.
 *
 * A message sent as a plain literal that contains NUL is accepted (it is not a parse error:
 * Dovecot stores such messages, and refusing the command would lose the message); the session
 * may refuse it with NO.
 */
export function parseAppend(c: Cursor): AppendCommand {
  c.SP();
  const box = mailbox(c);
  const messages: AppendMessage[] = [];
  do {
    c.SP();
    let flags: string[] = [];
    let internalDate: ImapDateTime | null = null;
    if (c.peek() === '(') {
      flags = flagList(c);
      c.SP();
    }
    if (c.peek() === '"') {
      internalDate = dateTime(c);
      c.SP();
    }
    if (c.peek() !== '{' && c.peek() !== '~') c.fail('Expected a literal with the message');
    const lit = c.literal({ binary: true, allowNul: true });
    messages.push({ flags, internalDate, data: lit.data, binary: lit.binary });
  } while (!c.atEnd());
  c.end();
  return { name: 'APPEND', mailbox: box, messages };
}
