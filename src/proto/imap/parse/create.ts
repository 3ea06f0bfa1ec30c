/** CREATE (RFC 9051 §6.3.4) with CREATE-SPECIAL-USE (RFC 6154 §3). */

import type { Cursor } from './cursor.ts';
import { type MailboxName, mailbox } from './mailbox.ts';

/** `CREATE mailbox [(USE (attr…))]`. */
export interface CreateCommand {
  readonly name: 'CREATE';
  readonly mailbox: MailboxName;
  /** The special-use attributes asked for (`\Sent`…), as sent; empty when none. */
  readonly specialUse: readonly string[];
}

/**
 * RFC 9051 §9 `create = "CREATE" SP mailbox [create-params]` (RFC 4466 §2.2),
 * `create-param =/ "USE" SP "(" [use-attr *(SP use-attr)] ")"`, `use-attr = "\" atom`
 * (RFC 6154 §6). Which attributes are supported is the server's to say (`NO [USEATTR]`).
 */
export function parseCreate(c: Cursor): CreateCommand {
  c.SP();
  const box = mailbox(c);
  const specialUse: string[] = [];
  if (c.moreArgs()) {
    c.SP();
    c.list(
      () => {
        const param = c.atom('a CREATE parameter').toUpperCase();
        if (param !== 'USE') c.fail(`Unknown CREATE parameter ${param}`);
        c.SP();
        const attrs = c.list(
          () => {
            c.expect('\\', 'a special-use attribute');
            return `\\${c.atom('a special-use attribute')}`;
          },
          true,
          'special-use attributes',
        );
        specialUse.push(...attrs);
      },
      false,
      'CREATE parameters',
    );
  }
  c.end();
  return { name: 'CREATE', mailbox: box, specialUse };
}
