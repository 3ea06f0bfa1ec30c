/**
 * LIST (RFC 9051 §6.3.9) with LIST-EXTENDED selection and return options (RFC 5258), LIST-STATUS
 * (RFC 5819), CHILDREN (RFC 3348) and SPECIAL-USE (RFC 6154); and LSUB (RFC 3501 §6.3.9).
 */
import type { ListCommand, LsubCommand } from '../../../proto/imap/parse/index.ts';
import { atom, type ImapAtom, type ImapValue } from '../../../proto/imap/value.ts';
import { ancestors, DELIMITER, patternMatcher } from '../mailbox-patterns.ts';
import type { MailboxRecord } from '../services.ts';
import type { Completion, ImapSession } from '../session.ts';
import { sendStatus } from './status.ts';

export async function list(session: ImapSession, _tag: string, command: ListCommand): Promise<Completion> {
  const reference = session.mailboxName(command.reference);
  const patterns = command.patterns.map((p) => session.mailboxName(p));
  if (reference === undefined || patterns.some((p) => p === undefined)) {
    return { kind: 'NO', text: 'Invalid mailbox name', code: { name: 'CANNOT' } };
  }
  // RFC 9051 §6.3.9: an empty pattern asks for the hierarchy delimiter; in the extended syntax,
  // empty patterns are ignored instead (RFC 5258 §3).
  if (!command.extended && patterns.length === 1 && patterns[0] === '') {
    session.untagged(atom('LIST'), [atom('\\Noselect')], DELIMITER, '');
    return { kind: 'OK', text: 'LIST completed' };
  }
  const wanted = (patterns as string[]).filter((p) => p !== '');
  if (wanted.length === 0) return { kind: 'OK', text: 'LIST completed' };
  const accountId = session.account!.id;
  const mailboxes = await session.services.mailboxes.listMailboxes(accountId);
  const byName = new Map(mailboxes.map((m) => [m.name, m]));
  const subscribed = new Set(await session.services.mailboxes.subscriptions(accountId));
  const { selection, returns } = command;
  const matchers = wanted.map((p) => patternMatcher(reference, p));
  const matches = (name: string): boolean => matchers.some((m) => m(name));

  // Candidate names: existing mailboxes, their missing parents, and (SUBSCRIBED) subscribed names.
  const names = new Set<string>();
  for (const m of mailboxes) {
    names.add(m.name);
    for (const parent of ancestors(m.name)) names.add(parent);
  }
  if (selection.subscribed) for (const name of subscribed) names.add(name);
  const hasChild = (name: string): boolean => [...names].some((n) => n.startsWith(`${name}${DELIMITER}`));

  for (const name of [...names].sort(inboxFirst)) {
    const mailbox = byName.get(name);
    const isSubscribed = subscribed.has(name);
    let childInfo = false;
    if (!matches(name)) continue;
    if (selection.subscribed && !isSubscribed) {
      // RECURSIVEMATCH: a parent is listed when a descendant is subscribed (RFC 5258 §3.5).
      if (!selection.recursiveMatch || ![...subscribed].some((s) => s.startsWith(`${name}${DELIMITER}`)))
        continue;
      childInfo = true;
    }
    if (selection.specialUse && !mailbox?.specialUse) continue;
    const attributes: ImapAtom[] = [];
    if (!mailbox) attributes.push(atom(command.extended || session.rev2 ? '\\NonExistent' : '\\Noselect'));
    attributes.push(atom(hasChild(name) ? '\\HasChildren' : '\\HasNoChildren'));
    if (mailbox?.specialUse) attributes.push(atom(mailbox.specialUse));
    if ((returns.subscribed || selection.subscribed) && isSubscribed) attributes.push(atom('\\Subscribed'));
    const extra: ImapValue[] = childInfo ? [[atom('CHILDINFO'), ['SUBSCRIBED']]] : [];
    session.untagged(atom('LIST'), attributes, DELIMITER, session.wireName(name), ...extra);
    if (returns.status && mailbox) await sendStatus(session, mailbox, returns.status);
  }
  return { kind: 'OK', text: 'LIST completed' };
}

export async function lsub(session: ImapSession, _tag: string, command: LsubCommand): Promise<Completion> {
  const reference = session.mailboxName(command.reference);
  const pattern = session.mailboxName(command.pattern);
  if (reference === undefined || pattern === undefined) {
    return { kind: 'NO', text: 'Invalid mailbox name', code: { name: 'CANNOT' } };
  }
  const accountId = session.account!.id;
  const existing = new Map<string, MailboxRecord>(
    (await session.services.mailboxes.listMailboxes(accountId)).map((m) => [m.name, m]),
  );
  const match = patternMatcher(reference, pattern);
  const subscribed = new Set(await session.services.mailboxes.subscriptions(accountId));
  // Each name to answer, and whether it is \Noselect.
  const answers = new Map<string, boolean>();
  for (const name of subscribed) {
    if (match(name)) answers.set(name, !existing.has(name));
    // RFC 3501 §6.3.9: with "%", a subscribed "foo/bar" whose parent "foo" is not subscribed
    // answers "foo", flagged \Noselect.
    else
      for (const parent of ancestors(name))
        if (!subscribed.has(parent) && match(parent)) answers.set(parent, true);
  }
  for (const name of [...answers.keys()].sort(inboxFirst)) {
    session.untagged(
      atom('LSUB'),
      answers.get(name) ? [atom('\\Noselect')] : [],
      DELIMITER,
      session.wireName(name),
    );
  }
  return { kind: 'OK', text: 'LSUB completed' };
}

function inboxFirst(a: string, b: string): number {
  if (a === 'INBOX') return -1;
  if (b === 'INBOX') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
