/**
 * The changes each kind of mailbox write tells the other processes (change-feed.ts sends them):
 * pure functions from a write's result to its `MailboxChange` list.
 */
import type { MailboxChange } from '../../core/events.ts';
import type { DeliveryResult, FlagUpdate } from '../store.ts';

/** A copy appends each new UID to the target; a move also expunges the sources. */
export function copyChanges(
  fromMailboxId: number,
  toMailboxId: number,
  result: { copied: [number, number][]; modseq: number; expungeModseq: number | undefined },
): MailboxChange[] {
  return [
    ...result.copied.map(
      ([, uid]): MailboxChange => ({
        kind: 'append',
        mailboxId: toMailboxId,
        uid,
        modseq: result.modseq,
      }),
    ),
    ...(result.expungeModseq === undefined
      ? []
      : result.copied.map(
          ([uid]): MailboxChange => ({
            kind: 'expunge',
            mailboxId: fromMailboxId,
            uid,
            modseq: result.expungeModseq!,
          }),
        )),
  ];
}

export function flagChanges(mailboxId: number, updates: readonly FlagUpdate[]): MailboxChange[] {
  return updates.map((u): MailboxChange => ({ kind: 'flags', mailboxId, uid: u.uid, modseq: u.modseq }));
}

export function expungeChanges(
  mailboxId: number,
  expunged: readonly { uid: number; modseq: number }[],
): MailboxChange[] {
  return expunged.map((e): MailboxChange => ({ kind: 'expunge', mailboxId, uid: e.uid, modseq: e.modseq }));
}

/** A delivery appends one message to each mailbox it placed the message in. */
export function appended(result: DeliveryResult): MailboxChange[] {
  return result.placed.map((p) => ({ kind: 'append', mailboxId: p.mailboxId, uid: p.uid, modseq: p.modseq }));
}
