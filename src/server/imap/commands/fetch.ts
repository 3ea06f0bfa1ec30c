/**
 * FETCH and UID FETCH (RFC 9051 §6.4.5, §6.4.9): messages are read in slices of the set, each
 * item from the stored index, structure or bytes as it needs. Fetching a body without PEEK sets
 * \Seen in a read-write mailbox, and FLAGS is then included in the response.
 */
import type { FetchCommand, FetchItem } from '../../../proto/imap/parse/index.ts';
import { atom, type ImapValue } from '../../../proto/imap/value.ts';
import { itemValue, MessageData, setsSeen } from '../fetch-items.ts';
import type { Completion, ImapSession } from '../session.ts';
import { resolveSet } from '../sets.ts';

const SLICE = 500;

export async function fetch(session: ImapSession, _tag: string, command: FetchCommand): Promise<Completion> {
  if (command.changedSince !== null)
    return { kind: 'BAD', text: 'CHANGEDSINCE needs CONDSTORE, not offered' };
  const selected = session.selected!;
  const targets = resolveSet(selected, command.set, command.uid);
  if (!targets) return { kind: 'BAD', text: 'Message sequence number out of range' };
  const items: FetchItem[] = [...command.items];
  // RFC 9051 §6.4.9: UID FETCH always returns UID.
  if (command.uid && !items.some((i) => i.type === 'UID')) items.unshift({ type: 'UID' });
  const marksSeen = !selected.readOnly && items.some(setsSeen);
  const access = session.services.mailboxes;
  let unknownCte: string | undefined;
  for (let i = 0; i < targets.length; i += SLICE) {
    const slice = targets.slice(i, i + SLICE);
    const rows = await access.messagesByUid(
      selected.mailbox.id,
      slice.map((t) => t.uid),
    );
    const byUid = new Map(rows.map((row) => [row.uid, row]));
    if (marksSeen) {
      const unseen = rows.filter((row) => (row.flags & 1) === 0).map((row) => row.uid);
      if (unseen.length > 0) {
        await access.setFlags(selected.mailbox.id, unseen, { add: 1 });
        selected.dropFlagChanges(unseen);
        for (const row of rows) if (unseen.includes(row.uid)) row.flags |= 1;
      }
    }
    for (const target of slice) {
      const row = byUid.get(target.uid);
      if (!row) continue; // expunged meanwhile: nothing to say (RFC 9051 §7.5.1)
      const data = new MessageData(row, access);
      const values: ImapValue[] = [];
      let wantsFlags = false;
      for (const item of items) {
        if (item.type === 'FLAGS') wantsFlags = true;
        const value = await itemValue(item, data, { rev2: session.rev2 });
        if ('unknownCte' in value) {
          unknownCte = value.unknownCte;
          continue;
        }
        values.push(...value);
      }
      if (marksSeen && !wantsFlags)
        values.push(...((await itemValue({ type: 'FLAGS' }, data, { rev2: session.rev2 })) as ImapValue[]));
      session.untagged(target.seq, atom('FETCH'), values);
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
