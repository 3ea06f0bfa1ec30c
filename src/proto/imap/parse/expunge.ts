/** EXPUNGE (RFC 9051 §6.4.3) and UID EXPUNGE (RFC 9051 §6.4.9, RFC 4315 §2.1). */

import type { Cursor } from './cursor.ts';
import { type SequenceSet, sequenceSet } from './sequence.ts';

/** `EXPUNGE`, or `UID EXPUNGE set` (only the messages whose UIDs are in `set`). */
export type ExpungeCommand =
  | { readonly name: 'EXPUNGE'; readonly uid: false }
  | { readonly name: 'EXPUNGE'; readonly uid: true; readonly set: SequenceSet };

/** RFC 9051 §9 `expunge = "EXPUNGE"`, `uid-expunge = "EXPUNGE" SP sequence-set`. */
export function parseExpunge(uid: boolean): (c: Cursor) => ExpungeCommand {
  return (c) => {
    if (!uid) {
      c.end();
      return { name: 'EXPUNGE', uid: false };
    }
    c.SP();
    const set = sequenceSet(c);
    c.end();
    return { name: 'EXPUNGE', uid: true, set };
  };
}
