/**
 * STATUS (RFC 9051 §6.3.11) and the status items it shares with LIST-STATUS (RFC 5819): RFC
 * 9051 items, RECENT (RFC 3501), SIZE (RFC 8438), HIGHESTMODSEQ (RFC 7162 §3.1.6), APPENDLIMIT
 * (RFC 7889 §3.2).
 */

import type { Cursor } from './cursor.ts';
import { type MailboxName, mailbox } from './mailbox.ts';

/** The status data items a client may ask for. */
export type StatusItem =
  | 'MESSAGES'
  | 'RECENT'
  | 'UIDNEXT'
  | 'UIDVALIDITY'
  | 'UNSEEN'
  | 'DELETED'
  | 'SIZE'
  | 'HIGHESTMODSEQ'
  | 'APPENDLIMIT';

const ITEMS: ReadonlySet<string> = new Set<StatusItem>([
  'MESSAGES',
  'RECENT',
  'UIDNEXT',
  'UIDVALIDITY',
  'UNSEEN',
  'DELETED',
  'SIZE',
  'HIGHESTMODSEQ',
  'APPENDLIMIT',
]);

/** `STATUS mailbox (item…)`. */
export interface StatusCommand {
  readonly name: 'STATUS';
  readonly mailbox: MailboxName;
  /** The items asked for, upper case, in the order sent, without repeats. */
  readonly items: readonly StatusItem[];
}

/** RFC 9051 §9 `"(" status-att *(SP status-att) ")"`: at least one item; unknown ones are BAD. */
export function statusAttList(c: Cursor): StatusItem[] {
  const items = c.list(
    () => {
      const item = c.atom('a status item').toUpperCase();
      if (!ITEMS.has(item)) c.fail(`Unknown status item ${item}`);
      return item as StatusItem;
    },
    false,
    'status items',
  );
  return [...new Set(items)];
}

/** RFC 9051 §9 `status = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")"`. */
export function parseStatus(c: Cursor): StatusCommand {
  c.SP();
  const box = mailbox(c);
  c.SP();
  const items = statusAttList(c);
  c.end();
  return { name: 'STATUS', mailbox: box, items };
}
