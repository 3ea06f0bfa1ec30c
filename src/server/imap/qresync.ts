/**
 * Quick resynchronisation (RFC 7162 §3.2.5): `SELECT mailbox (QRESYNC (uidvalidity modseq
 * [known-uids] [seq-match-data]))` answers, after the usual responses, with the UIDs expunged
 * since `modseq` (`* VANISHED (EARLIER) …`) and a FETCH of UID, FLAGS and MODSEQ for each message
 * changed since. Loft remembers every expunge, so `seq-match-data` (a hint for servers that
 * forget) is not needed and is ignored.
 */
import type { QresyncParams } from '../../proto/imap/parse/index.ts';
import { atom } from '../../proto/imap/value.ts';
import { flagsResponse } from './condstore.ts';
import type { SelectedMailbox } from './selected.ts';
import type { ImapSession } from './session.ts';
import { sendVanishedEarlier, uidRanges, vanishedSince } from './vanished.ts';

const SLICE = 500;

/** Sends what changed in `selected` since the client's MODSEQ (its UIDVALIDITY already matched). */
export async function qresyncSelect(
  session: ImapSession,
  selected: SelectedMailbox,
  params: QresyncParams,
): Promise<void> {
  const modseq = Number(params.modSeq);
  const access = session.services.mailboxes;
  // RFC 7162 §3.2.5: known-uids limits what VANISHED (EARLIER) needs to name.
  const within =
    params.knownUids === null ? null : uidRanges(params.knownUids, selected, selected.lastUid ?? 0);
  sendVanishedEarlier(session, await vanishedSince(session, selected, modseq, within));
  const changed = (await access.changedSince(selected.mailbox.id, modseq)).filter(
    (uid) => selected.seqOf(uid) !== undefined,
  );
  for (let i = 0; i < changed.length; i += SLICE) {
    const rows = await access.messagesByUid(selected.mailbox.id, changed.slice(i, i + SLICE));
    for (const row of rows) {
      const seq = selected.seqOf(row.uid);
      if (seq !== undefined) session.untagged(seq, atom('FETCH'), flagsResponse(session, row, true));
    }
    await session.flush();
  }
}
