/**
 * The MODSEQ that SEARCH and SORT report when their criteria use the MODSEQ key (RFC 7162
 * §3.1.5, §3.1.9, §3.1.10): the highest mod-sequence of the messages the response returns.
 */
import type { SearchReturn } from '../../../proto/imap/parse/index.ts';
import type { ImapValue } from '../../../proto/imap/value.ts';
import { atom } from '../../../proto/imap/value.ts';
import type { ImapSession } from '../session.ts';
import type { SearchHit } from './evaluate.ts';

/**
 * `MODSEQ n` for a response returning `hits`, ordered so that the first is MIN and the last MAX
 * (ascending for SEARCH, sort order for SORT). With only MIN and/or MAX asked for, those
 * messages' MODSEQ (RFC 4731 §3.2 with RFC 7162 §3.1.5); otherwise the highest of all.
 * Undefined when nothing matched.
 */
export async function modseqResult(
  session: ImapSession,
  hits: readonly SearchHit[],
  returns: SearchReturn | null,
): Promise<ImapValue[] | undefined> {
  if (hits.length === 0) return undefined;
  const returned =
    returns === null || returns.all || returns.count
      ? hits
      : [...new Set([returns.min ? hits[0]! : hits.at(-1)!, returns.max ? hits.at(-1)! : hits[0]!])];
  return [atom('MODSEQ'), await highestModseq(session, returned)];
}

/** The highest MODSEQ of these messages (read in slices). */
async function highestModseq(session: ImapSession, hits: readonly SearchHit[]): Promise<number> {
  const access = session.services.mailboxes;
  const mailboxId = session.selected!.mailbox.id;
  let highest = 0;
  for (let i = 0; i < hits.length; i += 1000) {
    const rows = await access.messagesByUid(
      mailboxId,
      hits.slice(i, i + 1000).map((h) => h.uid),
    );
    for (const row of rows) highest = Math.max(highest, row.modseq);
  }
  return highest;
}
