/** DELETE (RFC 9051 §6.3.5). */

import type { Cursor } from './cursor.ts';
import { type MailboxName, mailbox } from './mailbox.ts';

/** `DELETE mailbox`. */
export interface DeleteCommand {
  readonly name: 'DELETE';
  readonly mailbox: MailboxName;
}

/** RFC 9051 §9 `delete = "DELETE" SP mailbox`. */
export function parseDelete(c: Cursor): DeleteCommand {
  c.SP();
  const box = mailbox(c);
  c.end();
  return { name: 'DELETE', mailbox: box };
}
