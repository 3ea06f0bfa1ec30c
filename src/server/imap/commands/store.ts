/**
 * STORE and UID STORE (RFC 9051 §6.4.6): set, add or remove flags; each message's new flags are
 * returned unless .SILENT. Two sessions changing flags at once both take effect: the store
 * applies each change to the message's current flags. CONDSTORE (RFC 7162 §3.1.3): with
 * UNCHANGEDSINCE only the messages whose MODSEQ is at most the value change (the test and the
 * change are one storage transaction, so of two racing sessions only one wins a message); the
 * others are named in `OK [MODIFIED set]`. Once CONDSTORE is on, responses carry MODSEQ, and a
 * .SILENT STORE still reports the new MODSEQ of each message it changed.
 */
import { FLAG_BITS } from '../../../proto/imap/fetch/flags-dates.ts';
import type { StoreCommand } from '../../../proto/imap/parse/index.ts';
import { atom, type ImapValue } from '../../../proto/imap/value.ts';
import { enableCondstore, flagsResponse } from '../condstore.ts';
import { sequenceSetOf } from '../search/response.ts';
import type { FlagChange, FlagUpdate } from '../services.ts';
import type { Completion, ImapSession } from '../session.ts';
import { resolveSet } from '../sets.ts';

const ALL_BITS = Object.values(FLAG_BITS).reduce((a, b) => a | b, 0);
const SLICE = 500;

export async function store(session: ImapSession, _tag: string, command: StoreCommand): Promise<Completion> {
  const selected = session.selected!;
  if (selected.readOnly) return { kind: 'NO', text: 'Mailbox is read-only', code: { name: 'READ-ONLY' } };
  const targets = resolveSet(selected, command.set, command.uid);
  if (!targets) return { kind: 'BAD', text: 'Message sequence number out of range' };
  const unchangedSince = command.unchangedSince === null ? undefined : Number(command.unchangedSince);
  if (unchangedSince !== undefined) await enableCondstore(session); // RFC 7162 §3.1
  const change = flagChange(command);
  const access = session.services.mailboxes;
  const modified: number[] = [];
  for (let i = 0; i < targets.length; i += SLICE) {
    const slice = targets.slice(i, i + SLICE).map((t) => t.uid);
    let updated: FlagUpdate[];
    let passed = slice;
    if (unchangedSince === undefined) {
      updated = await access.setFlags(selected.mailbox.id, slice, change);
    } else {
      const result = await access.setFlagsUnchangedSince(selected.mailbox.id, slice, change, unchangedSince);
      updated = result.updated;
      modified.push(...result.modified);
      const failed = new Set(result.modified);
      passed = slice.filter((uid) => !failed.has(uid));
    }
    // Changes by others to the messages that failed the test are still to be reported.
    selected.dropFlagChanges(passed);
    const rows =
      !command.silent || unchangedSince !== undefined
        ? await access.messagesByUid(selected.mailbox.id, passed)
        : [];
    if (unchangedSince !== undefined) {
      // Expunged by another session (not yet reported): not stored, so it failed the test too.
      const present = new Set(rows.map((row) => row.uid));
      modified.push(...passed.filter((uid) => !present.has(uid)));
    }
    if (!command.silent) {
      for (const row of rows) {
        const seq = selected.seqOf(row.uid);
        if (seq !== undefined) session.untagged(seq, atom('FETCH'), flagsResponse(session, row, command.uid));
      }
    } else if (session.condstore) {
      // RFC 7162 §3.1.3: even with .SILENT, the new MODSEQ of each message changed.
      for (const update of updated) {
        const seq = selected.seqOf(update.uid);
        if (seq === undefined) continue;
        const values: ImapValue[] = [atom('UID'), update.uid, atom('MODSEQ'), [update.modseq]];
        session.untagged(seq, atom('FETCH'), values);
      }
    }
  }
  if (modified.length > 0) {
    // RFC 7162 §3.1.3: MODIFIED names sequence numbers for STORE, UIDs for UID STORE.
    const numbers = command.uid
      ? modified
      : modified.map((uid) => selected.seqOf(uid)).filter((n): n is number => n !== undefined);
    numbers.sort((a, b) => a - b);
    return {
      kind: 'OK',
      text: 'Conditional STORE failed',
      code: { name: 'MODIFIED', args: [atom(sequenceSetOf(numbers))] },
    };
  }
  return { kind: 'OK', text: 'STORE completed' };
}

/** The flag change a STORE asks for; FLAGS replaces system flags and keywords alike. */
function flagChange(command: StoreCommand): FlagChange {
  let bits = 0;
  const keywords: string[] = [];
  for (const flag of command.flags) {
    const bit = FLAG_BITS[flag as keyof typeof FLAG_BITS];
    if (bit !== undefined) bits |= bit;
    else if (!flag.startsWith('\\')) keywords.push(flag);
  }
  if (command.action === 'add') return { add: bits, addKeywords: keywords };
  if (command.action === 'remove') return { remove: bits, removeKeywords: keywords };
  return { add: bits, remove: ALL_BITS & ~bits, keywords };
}
