/** COPY (RFC 9051 §6.4.7) and MOVE (RFC 9051 §6.4.8, RFC 6851 §3). */

import type { Cursor } from './cursor.ts';
import { type MailboxName, mailbox } from './mailbox.ts';
import { type SequenceSet, sequenceSet } from './sequence.ts';

/** `[UID] COPY set mailbox` or `[UID] MOVE set mailbox`. */
export interface CopyMoveCommand {
  readonly name: 'COPY' | 'MOVE';
  readonly uid: boolean;
  readonly set: SequenceSet;
  readonly mailbox: MailboxName;
}

/** RFC 9051 §9 `copy = "COPY" SP sequence-set SP mailbox`, `move = "MOVE" SP sequence-set SP mailbox`. */
export function parseCopyMove(name: 'COPY' | 'MOVE', uid: boolean): (c: Cursor) => CopyMoveCommand {
  return (c) => {
    c.SP();
    const set = sequenceSet(c);
    c.SP();
    const box = mailbox(c);
    c.end();
    return { name, uid, set, mailbox: box };
  };
}
