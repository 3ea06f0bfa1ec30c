/**
 * CONDSTORE in a session (RFC 7162 §3.1): turning it on, and the FETCH responses that carry
 * flags, which then always name the message's UID and MODSEQ.
 */
import { flagList } from '../../proto/imap/fetch/flags-dates.ts';
import { atom, type ImapValue } from '../../proto/imap/value.ts';
import type { MessageRecord } from './services.ts';
import type { ImapSession } from './session.ts';

/**
 * RFC 7162 §3.1: a CONDSTORE enabling command (ENABLE CONDSTORE or QRESYNC, SELECT/EXAMINE
 * (CONDSTORE), STATUS (HIGHESTMODSEQ), FETCH or SEARCH with MODSEQ, FETCH CHANGEDSINCE, STORE
 * UNCHANGEDSINCE) turns CONDSTORE on for the rest of the connection. The first one issued with a
 * mailbox selected also tells the client that mailbox's HIGHESTMODSEQ.
 */
export async function enableCondstore(session: ImapSession): Promise<void> {
  if (session.condstore) return;
  session.enabled.add('CONDSTORE');
  const selected = session.selected;
  if (!selected) return;
  const mailbox = await session.services.mailboxes.mailboxById(selected.mailbox.id);
  if (mailbox) sendHighestModseq(session, mailbox.highestModseq);
}

/** RFC 7162 §3.1.2.1: `* OK [HIGHESTMODSEQ n]`. */
export function sendHighestModseq(session: ImapSession, modseq: number): void {
  session.untaggedStatus('OK', 'Highest', { name: 'HIGHESTMODSEQ', args: [modseq] });
}

/**
 * The values of an untagged FETCH that reports a message's flags: `FLAGS (…)`, with `UID` and
 * `MODSEQ (n)` once CONDSTORE is on (RFC 7162 §3.2.4: in every FETCH response caused by
 * STORE, by a FETCH that set \Seen, or by another session), and `UID` when `withUid` (UID STORE).
 */
export function flagsResponse(session: ImapSession, row: MessageRecord, withUid: boolean): ImapValue[] {
  const values: ImapValue[] = [atom('FLAGS'), flagList(row.flags, row.keywords)];
  if (withUid || session.condstore) values.push(atom('UID'), row.uid);
  if (session.condstore) values.push(atom('MODSEQ'), [row.modseq]);
  return values;
}
