/**
 * STORE and UID STORE (RFC 9051 §6.4.6): set, add or remove flags; each message's new flags are
 * returned unless .SILENT. Two sessions changing flags at once both take effect: the store
 * applies each change to the message's current flags.
 */
import { FLAG_BITS, flagList } from '../../../proto/imap/fetch/flags-dates.ts';
import type { StoreCommand } from '../../../proto/imap/parse/index.ts';
import { atom, type ImapValue } from '../../../proto/imap/value.ts';
import type { Completion, ImapSession } from '../session.ts';
import { resolveSet } from '../sets.ts';

const ALL_BITS = Object.values(FLAG_BITS).reduce((a, b) => a | b, 0);

export async function store(session: ImapSession, _tag: string, command: StoreCommand): Promise<Completion> {
  if (command.unchangedSince !== null)
    return { kind: 'BAD', text: 'UNCHANGEDSINCE needs CONDSTORE, not offered' };
  const selected = session.selected!;
  if (selected.readOnly) return { kind: 'NO', text: 'Mailbox is read-only', code: { name: 'READ-ONLY' } };
  const targets = resolveSet(selected, command.set, command.uid);
  if (!targets) return { kind: 'BAD', text: 'Message sequence number out of range' };
  let bits = 0;
  const keywords: string[] = [];
  for (const flag of command.flags) {
    const bit = FLAG_BITS[flag as keyof typeof FLAG_BITS];
    if (bit !== undefined) bits |= bit;
    else if (!flag.startsWith('\\')) keywords.push(flag);
  }
  const access = session.services.mailboxes;
  const uids = targets.map((t) => t.uid);
  for (let i = 0; i < uids.length; i += 500) {
    const slice = uids.slice(i, i + 500);
    if (command.action === 'add') {
      await access.setFlags(selected.mailbox.id, slice, { add: bits, addKeywords: keywords });
    } else if (command.action === 'remove') {
      await access.setFlags(selected.mailbox.id, slice, { remove: bits, removeKeywords: keywords });
    } else {
      const rows = await access.messagesByUid(selected.mailbox.id, slice);
      const existing = new Set(rows.flatMap((row) => row.keywords));
      const drop = [...existing].filter((k) => !keywords.some((n) => n.toLowerCase() === k.toLowerCase()));
      await access.setFlags(selected.mailbox.id, slice, {
        add: bits,
        remove: ALL_BITS & ~bits,
        addKeywords: keywords,
        removeKeywords: drop,
      });
    }
    selected.dropFlagChanges(slice);
    if (!command.silent) {
      const rows = await access.messagesByUid(selected.mailbox.id, slice);
      for (const row of rows) {
        const seq = selected.seqOf(row.uid);
        if (seq === undefined) continue;
        const values: ImapValue[] = [atom('FLAGS'), flagList(row.flags, row.keywords)];
        if (command.uid) values.push(atom('UID'), row.uid);
        session.untagged(seq, atom('FETCH'), values);
      }
    }
  }
  return { kind: 'OK', text: 'STORE completed' };
}
