/**
 * CREATE (RFC 9051 §6.3.4) with CREATE-SPECIAL-USE (RFC 6154 §3). Only the named mailbox is
 * created: missing superior levels are not (LIST shows them \NonExistent, RFC 5258 §3), as
 * Dovecot does. A trailing hierarchy delimiter is ignored.
 */
import { isLoftError } from '../../../core/errors.ts';
import type { CreateCommand } from '../../../proto/imap/parse/index.ts';
import { resolveMailboxName } from '../mailbox-names.ts';
import type { SpecialUse } from '../services.ts';
import type { Completion, ImapSession } from '../session.ts';

/** The special-use attributes a mailbox may be created with (RFC 6154 §2), by upper-case name. */
const SPECIAL_USES = new Map<string, SpecialUse>(
  (['\\All', '\\Archive', '\\Drafts', '\\Flagged', '\\Junk', '\\Sent', '\\Trash'] as const).map((a) => [
    a.toUpperCase(),
    a,
  ]),
);

export async function create(
  session: ImapSession,
  _tag: string,
  command: CreateCommand,
): Promise<Completion> {
  const resolved = resolveMailboxName(session, command.mailbox, { newName: true });
  if (!resolved.ok) return resolved.completion;
  const name = resolved.name;
  // RFC 9051 §6.3.4: "It is an error to attempt to create INBOX".
  if (name === 'INBOX') return alreadyExists();
  // RFC 6154 §3: an unsupported use, or more than one (Loft keeps one per mailbox), is NO [USEATTR].
  const uses = new Set<SpecialUse>();
  for (const attr of command.specialUse) {
    const use = SPECIAL_USES.get(attr.toUpperCase());
    if (use === undefined)
      return { kind: 'NO', text: `Unsupported special-use attribute ${attr}`, code: { name: 'USEATTR' } };
    uses.add(use);
  }
  if (uses.size > 1)
    return { kind: 'NO', text: 'Only one special-use attribute per mailbox', code: { name: 'USEATTR' } };
  const accountId = session.account!.id;
  const access = session.services.mailboxes;
  if (await access.mailbox(accountId, name)) return alreadyExists();
  try {
    await access.createMailbox(accountId, name, [...uses][0]);
  } catch (err) {
    if (isLoftError(err) && err.code === 'EXISTS') return alreadyExists();
    throw err;
  }
  return { kind: 'OK', text: 'CREATE completed' };
}

function alreadyExists(): Completion {
  return { kind: 'NO', text: 'Mailbox already exists', code: { name: 'ALREADYEXISTS' } };
}
