/**
 * SELECT and EXAMINE (RFC 9051 §6.3.2, §6.3.3): open a mailbox and tell the client its size,
 * flags, UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ (RFC 7162 §3.1.2.1). A failed SELECT leaves no
 * mailbox selected; closing the one that was is announced with `[CLOSED]` (RFC 9051 §7.1, RFC
 * 7162 §3.2.11). `(CONDSTORE)` turns CONDSTORE on (RFC 7162 §3.1.8); `(QRESYNC (…))`
 * resynchronises the client at once (RFC 7162 §3.2.5, see `../qresync.ts`).
 */
import type { SelectCommand } from '../../../proto/imap/parse/index.ts';
import { atom } from '../../../proto/imap/value.ts';
import { sendHighestModseq } from '../condstore.ts';
import { qresyncSelect } from '../qresync.ts';
import { SelectedMailbox } from '../selected.ts';
import type { Completion, ImapSession } from '../session.ts';

const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'].map(atom);

export async function select(
  session: ImapSession,
  _tag: string,
  command: SelectCommand,
): Promise<Completion> {
  // RFC 7162 §3.2.5: the QRESYNC parameter needs ENABLE QRESYNC first, or it is BAD.
  if (command.qresync !== null && !session.qresync)
    return { kind: 'BAD', text: 'QRESYNC parameter needs ENABLE QRESYNC first' };
  if (session.selected) {
    session.deselect();
    session.untaggedStatus('OK', 'Previous mailbox closed', { name: 'CLOSED' });
  }
  if (command.condstore) session.enabled.add('CONDSTORE'); // RFC 7162 §3.1.8
  const name = session.mailboxName(command.mailbox);
  if (name === undefined) return { kind: 'NO', text: 'Invalid mailbox name', code: { name: 'CANNOT' } };
  // One read for the mailbox and its first unseen message (one storage round trip, not two).
  const opened = await session.services.mailboxes.open(session.account!.id, name);
  if (!opened) return { kind: 'NO', text: 'No such mailbox', code: { name: 'NONEXISTENT' } };
  const { mailbox } = opened;
  const readOnly = command.name === 'EXAMINE';
  const selected = await SelectedMailbox.open(session.services.mailboxes, mailbox, readOnly);
  session.selected = selected;
  session.state = 'selected';
  session.untagged(selected.count, atom('EXISTS'));
  if (!session.rev2) session.untagged(0, atom('RECENT'));
  session.untagged(atom('FLAGS'), SYSTEM_FLAGS);
  session.untaggedStatus('OK', 'Flags permitted', {
    name: 'PERMANENTFLAGS',
    args: [readOnly ? [] : [...SYSTEM_FLAGS, atom('\\*')]],
  });
  session.untaggedStatus('OK', 'UIDs valid', { name: 'UIDVALIDITY', args: [mailbox.uidValidity] });
  session.untaggedStatus('OK', 'Predicted next UID', { name: 'UIDNEXT', args: [mailbox.uidNext] });
  sendHighestModseq(session, mailbox.highestModseq);
  if (!session.rev2) {
    // RFC 3501 §6.3.1: UNSEEN is the first unseen message; sent only when there is one.
    const firstUnseen =
      opened.firstUnseenUid === undefined ? undefined : selected.seqOf(opened.firstUnseenUid);
    if (firstUnseen !== undefined)
      session.untaggedStatus('OK', 'First unseen', { name: 'UNSEEN', args: [firstUnseen] });
  }
  // RFC 9051 §6.3.2: "The server MUST return a LIST response with the mailbox name" (INBOX too).
  if (session.rev2) {
    session.untagged(atom('LIST'), listAttributes(mailbox.specialUse), '/', mailbox.name);
  }
  // RFC 7162 §3.2.5: with a UIDVALIDITY that no longer holds, a plain SELECT.
  if (command.qresync !== null && command.qresync.uidValidity === mailbox.uidValidity)
    await qresyncSelect(session, selected, command.qresync);
  return {
    kind: 'OK',
    text: `${command.name} completed`,
    code: { name: readOnly ? 'READ-ONLY' : 'READ-WRITE' },
  };
}

function listAttributes(specialUse: string | undefined) {
  return specialUse ? [atom(specialUse)] : [];
}
