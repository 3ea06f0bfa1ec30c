/**
 * APPEND (RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502 §6), BINARY literal8 data
 * (RFC 3516 §4.4) and the `UTF8 (literal8)` data of UTF8=ACCEPT clients (RFC 6855 §4).
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
  /** True when wrapped as `UTF8 (…)` (RFC 6855 §4): the client says its header may be UTF-8. */
  readonly utf8: boolean;
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
 * `append-data = literal / literal8 / utf8-literal` with RFC 6855 §4
 * `utf8-literal = "UTF8" SP "(" literal8 ")"`. RFC 9755, which replaces RFC 6855, dropped that
 * form, but clients still send it (Python's imaplib once UTF8=ACCEPT is enabled), so it is read;
 * as in RFC 9755 it means no more than the same message sent as a literal.
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
    const utf8 = c.accept('UTF8');
    if (utf8) {
      c.SP();
      c.expect('(');
      if (c.peek() !== '~') c.fail('Expected a literal8 in UTF8 ( )');
    } else if (c.peek() !== '{' && c.peek() !== '~') c.fail('Expected a literal with the message');
    const lit = c.literal({ binary: true, allowNul: true });
    if (utf8) c.expect(')');
    messages.push({ flags, internalDate, data: lit.data, binary: lit.binary, utf8 });
  } while (!c.atEnd());
  c.end();
  return { name: 'APPEND', mailbox: box, messages };
}
