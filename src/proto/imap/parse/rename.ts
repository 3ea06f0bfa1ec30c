/** RENAME (RFC 9051 §6.3.6). */

import type { Cursor } from './cursor.ts';
import { type MailboxName, mailbox } from './mailbox.ts';

/** `RENAME from to`. */
export interface RenameCommand {
  readonly name: 'RENAME';
  readonly from: MailboxName;
  readonly to: MailboxName;
}

/** RFC 9051 §9 `rename = "RENAME" SP mailbox SP mailbox`. */
export function parseRename(c: Cursor): RenameCommand {
  c.SP();
  const from = mailbox(c);
  c.SP();
  const to = mailbox(c);
  c.end();
  return { name: 'RENAME', from, to };
}
