/**
 * FETCH and UID FETCH (RFC 9051 §6.4.5, §6.4.9): messages are read in slices of the set, each
 * item from the stored index, structure or bytes as it needs. Fetching a body without PEEK sets
 * \Seen in a read-write mailbox, and FLAGS is then included in the response. CONDSTORE (RFC 7162
 * §3.1.4): the MODSEQ item, the CHANGEDSINCE modifier (only messages changed since, MODSEQ
 * implied), and UID and MODSEQ in every response with FLAGS once CONDSTORE is on. QRESYNC (RFC
 * 7162 §3.2.6): `UID FETCH … (CHANGEDSINCE n VANISHED)` first names the UIDs of the set expunged
 * since.
 */

import { MessageStates } from '../../../core/message-states.ts';
import { ResponseSink } from '../../../proto/imap/encode.ts';
import type { FetchCommand, FetchItem } from '../../../proto/imap/parse/index.ts';
import { atom, type ImapValue } from '../../../proto/imap/value.ts';
import { enableCondstore } from '../condstore.ts';
import { type IndexRows, writeIndexFetches } from '../fetch-index.ts';
import { itemValue, MessageData, needsBytes, needsStructure, setsSeen } from '../fetch-items.ts';
import type { MailboxAccess, MessageRecord } from '../services.ts';
import type { Completion, ImapSession } from '../session.ts';
import { resolveTargets } from '../sets.ts';
import { sendVanishedEarlier, uidRanges, vanishedSince } from '../vanished.ts';

const SLICE = 500;
/** Items without message bytes cost little per message: larger slices, fewer queries. */
const INDEX_SLICE = 2000;
const FETCH = atom('FETCH');

export async function fetch(session: ImapSession, _tag: string, command: FetchCommand): Promise<Completion> {
  // RFC 7162 §3.2.6: VANISHED without QRESYNC enabled is BAD (the parser checked UID and CHANGEDSINCE).
  if (command.vanished && !session.qresync)
    return { kind: 'BAD', text: 'VANISHED needs ENABLE QRESYNC first' };
  const selected = session.selected!;
  const targets = resolveTargets(selected, command.set, command.uid);
  if (!targets) return { kind: 'BAD', text: 'Message sequence number out of range' };
  const items: FetchItem[] = [...command.items];
  const since = command.changedSince === null ? undefined : Number(command.changedSince);
  // RFC 7162 §3.1: the MODSEQ item and CHANGEDSINCE are CONDSTORE enabling; CHANGEDSINCE implies MODSEQ (§3.1.4.1).
  if (since !== undefined || items.some((i) => i.type === 'MODSEQ')) await enableCondstore(session);
  if (since !== undefined && !items.some((i) => i.type === 'MODSEQ')) items.push({ type: 'MODSEQ' });
  // RFC 9051 §6.4.9: UID FETCH always returns UID.
  if (command.uid && !items.some((i) => i.type === 'UID')) items.unshift({ type: 'UID' });
  if (command.vanished && since !== undefined) {
    // `*` reaches every UID: VANISHED (EARLIER) may name UIDs above the last message (RFC 7162 §3.2.6).
    const within = uidRanges(command.set, selected, 0xffffffff);
    sendVanishedEarlier(session, await vanishedSince(session, selected, since, within));
  }
  const marksSeen = !selected.readOnly && items.some(setsSeen);
  const access = session.services.mailboxes;
  const options = { rev2: session.rev2 };
  const wanted = new Set(items.map((item) => item.type));
  const extra: FetchItem[] = [];
  if (marksSeen && !wanted.has('FLAGS')) extra.push({ type: 'FLAGS' });
  // RFC 7162 §3.2.4: with CONDSTORE on, a response with flags also names UID and MODSEQ.
  if (session.condstore && (wanted.has('FLAGS') || extra.length > 0)) {
    if (!wanted.has('UID')) extra.push({ type: 'UID' });
    if (!wanted.has('MODSEQ')) extra.push({ type: 'MODSEQ' });
  }
  const all = [...items, ...extra];
  const needBytes = all.some(needsBytes);
  // Flags, sizes and dates only: the message states, without the rows' blobs (services keep
  // those of large mailboxes in memory).
  const statesOnly = !all.some(needsStructure);
  let unknownCte: string | undefined;
  const sliceSize = needBytes ? SLICE : INDEX_SLICE;
  for (let i = 0; i < targets.uids.length; i += sliceSize) {
    const slice = {
      seqs: targets.seqs.subarray(i, i + sliceSize),
      uids: targets.uids.subarray(i, i + sliceSize),
    };
    const uids = Array.from(slice.uids);
    if (!needBytes) {
      // No message bytes: every item comes from the message's state and structure (or its cached
      // encoding), without an await per message, into one buffer for the slice. Marking \Seen
      // comes only with items that need the bytes (`setsSeen`), never on this path.
      let rows: IndexRows;
      if (statesOnly) {
        rows = { states: await access.messageStates(selected.mailbox.id, uids), changedSince: since };
      } else {
        const records = await access.messagesByUid(selected.mailbox.id, uids);
        rows = {
          states: MessageStates.of(records),
          blobIds: records.map((r) => r.blobId),
          changedSince: since,
        };
      }
      const sink = new ResponseSink();
      await writeIndexFetches(
        access,
        slice,
        rows,
        all,
        { rev2: session.rev2, encoding: session.encoding },
        sink,
      );
      session.send(sink.take());
    } else {
      let rows = await access.messagesByUid(selected.mailbox.id, uids);
      // RFC 7162 §3.1.4.1: only the messages whose MODSEQ is above CHANGEDSINCE.
      if (since !== undefined) rows = rows.filter((row) => row.modseq > since);
      const byUid = new Map(rows.map((row) => [row.uid, row]));
      if (marksSeen) await markSeen(session, rows, byUid);
      // Every item that needs bytes reads the whole message (`MessageData.raw`): read them by slice.
      const bodies = await prefetchBodies(access, rows);
      for (let t = 0; t < uids.length; t++) {
        const row = byUid.get(uids[t]!);
        if (!row) continue; // expunged meanwhile, or unchanged since CHANGEDSINCE (RFC 9051 §7.5.1)
        const data = new MessageData(row, access, undefined, bodies?.get(row.blobId));
        const values: ImapValue[] = [];
        for (const item of all) {
          const value = await itemValue(item, data, options);
          if ('unknownCte' in value) {
            unknownCte = value.unknownCte;
            continue;
          }
          values.push(...value);
        }
        session.untagged(slice.seqs[t]!, FETCH, values);
      }
    }
    await session.flush();
  }
  if (unknownCte)
    return {
      kind: 'NO',
      text: `Unknown Content-Transfer-Encoding ${unknownCte}`,
      code: { name: 'UNKNOWN-CTE' },
    };
  return { kind: 'OK', text: 'FETCH completed' };
}

/** Sets \Seen on the rows without it (RFC 9051 §6.4.5), updating them in place. */
async function markSeen(
  session: ImapSession,
  rows: readonly MessageRecord[],
  byUid: Map<number, MessageRecord>,
): Promise<void> {
  const selected = session.selected!;
  const unseen = rows.filter((row) => (row.flags & 1) === 0).map((row) => row.uid);
  if (unseen.length === 0) return;
  const updates = await session.services.mailboxes.setFlags(selected.mailbox.id, unseen, { add: 1 });
  selected.dropFlagChanges(unseen);
  for (const update of updates) {
    const row = byUid.get(update.uid);
    if (row) Object.assign(row, { flags: update.flags, keywords: update.keywords, modseq: update.modseq });
  }
}

/** Bodies read ahead per slice: only messages up to this size… */
const PREFETCH_MESSAGE = 256 * 1024;
/** …and at most this many octets per slice, so a slice of large messages is read one by one. */
const PREFETCH_SLICE = 8 * 1024 * 1024;

/**
 * The bodies of the slice's small messages, read in one go (instead of one read per message);
 * the others are read when their items ask. A failed batch read leaves them all to that path.
 */
async function prefetchBodies(
  access: MailboxAccess,
  rows: readonly MessageRecord[],
): Promise<Map<string, Buffer> | undefined> {
  const wanted: MessageRecord[] = [];
  let octets = 0;
  for (const row of rows) {
    if (row.size > PREFETCH_MESSAGE || octets + row.size > PREFETCH_SLICE) continue;
    wanted.push(row);
    octets += row.size;
  }
  if (wanted.length < 2) return undefined;
  return access.readMany(wanted).catch(() => undefined);
}
