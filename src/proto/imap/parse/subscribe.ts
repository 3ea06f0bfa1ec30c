/** SUBSCRIBE and UNSUBSCRIBE (RFC 9051 §6.3.7, §6.3.8). */

import type { Cursor } from './cursor.ts';
import { type MailboxName, mailbox } from './mailbox.ts';

/** `SUBSCRIBE mailbox` or `UNSUBSCRIBE mailbox`. */
export interface SubscribeCommand {
  readonly name: 'SUBSCRIBE' | 'UNSUBSCRIBE';
  readonly mailbox: MailboxName;
}

/** RFC 9051 §9 `subscribe = "SUBSCRIBE" SP mailbox`, `unsubscribe = "UNSUBSCRIBE" SP mailbox`. */
export function parseSubscribe(name: 'SUBSCRIBE' | 'UNSUBSCRIBE'): (c: Cursor) => SubscribeCommand {
  return (c) => {
    c.SP();
    const box = mailbox(c);
    c.end();
    return { name, mailbox: box };
  };
}
