/**
 * The mailbox service: what POP3 and IMAP sessions do to stored mail — list, read, change flags,
 * expunge — with every committed change published on the event bus, so that other sessions on
 * the same mailbox (IMAP IDLE, a selected mailbox) learn of it at once.
 */

import { LoftError } from '../../core/errors.ts';
import type { MailboxEvents } from '../../core/events.ts';
import type { BlobStore } from '../../store/blob/blob-store.ts';
import type { FlagChange, FlagUpdate, MailboxRecord, MessageRecord, Store } from '../../store/store.ts';

export type { FlagChange, FlagUpdate, MailboxRecord, MessageRecord };

export class MailboxService {
  readonly #store: Store;
  readonly #blobs: BlobStore;
  readonly #events: MailboxEvents;

  constructor(deps: { store: Store; blobs: BlobStore; events: MailboxEvents }) {
    this.#store = deps.store;
    this.#blobs = deps.blobs;
    this.#events = deps.events;
  }

  get events(): MailboxEvents {
    return this.#events;
  }

  /** The account's INBOX (it always exists). */
  async inbox(accountId: number): Promise<MailboxRecord> {
    const inbox = await this.#store.getMailbox(accountId, 'INBOX');
    if (!inbox) throw new LoftError('INTERNAL', `account ${accountId} has no INBOX`);
    return inbox;
  }

  mailbox(accountId: number, name: string): Promise<MailboxRecord | undefined> {
    return this.#store.getMailbox(accountId, name);
  }

  listMailboxes(accountId: number): Promise<MailboxRecord[]> {
    return this.#store.listMailboxes(accountId);
  }

  mailboxById(id: number): Promise<MailboxRecord | undefined> {
    return this.#store.getMailboxById(id);
  }

  /** Counts for STATUS. */
  stats(mailboxId: number): Promise<{ messages: number; unseen: number; deleted: number; size: number }> {
    return this.#store.mailboxStats(mailboxId);
  }

  /** Subscribed names of an account. */
  subscriptions(accountId: number): Promise<string[]> {
    return this.#store.listSubscriptions(accountId);
  }

  /** The UIDs of a mailbox, ascending. */
  uids(mailboxId: number): Promise<number[]> {
    return this.#store.listUids(mailboxId);
  }

  /** The messages with these UIDs, ascending. */
  messagesByUid(mailboxId: number, uids: readonly number[]): Promise<MessageRecord[]> {
    return this.#store.getMessages(mailboxId, uids);
  }

  /** The MIME structure computed at delivery (serialised; decode with `decodeStructure`). */
  structure(message: Pick<MessageRecord, 'blobId'>): Promise<string> {
    return this.#store.getStructure(message.blobId);
  }

  /** The messages of a mailbox in UID order. */
  messages(mailboxId: number): Promise<MessageRecord[]> {
    return this.#store.listMessages(mailboxId);
  }

  /** The raw bytes of a message, or of the range [start, end). */
  read(message: Pick<MessageRecord, 'blobId'>, start?: number, end?: number): Promise<Buffer> {
    return this.#blobs.read(message.blobId, start, end);
  }

  /** Changes flags and tells the mailbox's other sessions. */
  async setFlags(mailboxId: number, uids: readonly number[], change: FlagChange): Promise<FlagUpdate[]> {
    const updates = await this.#store.updateFlags(mailboxId, uids, change);
    for (const u of updates) this.#events.publish({ kind: 'flags', mailboxId, uid: u.uid, modseq: u.modseq });
    return updates;
  }

  /** Removes messages for good, deletes files nothing refers to, and tells the other sessions. */
  async expunge(mailboxId: number, uids: readonly number[]): Promise<number[]> {
    if (uids.length === 0) return [];
    const { expunged, orphanBlobs } = await this.#store.expunge(mailboxId, uids);
    for (const e of expunged)
      this.#events.publish({ kind: 'expunge', mailboxId, uid: e.uid, modseq: e.modseq });
    for (const blob of orphanBlobs) await this.#blobs.remove(blob).catch(() => {});
    return expunged.map((e) => e.uid);
  }

  /**
   * Takes an exclusive lease on a name (e.g. the POP3 maildrop lock, RFC 1939 §8) for `owner`;
   * false when another owner holds it. Renew by calling again before `leaseMs` runs out.
   */
  lock(name: string, owner: string, leaseMs: number): Promise<boolean> {
    return this.#store.tryLock(name, owner, leaseMs);
  }

  unlock(name: string, owner: string): Promise<void> {
    return this.#store.releaseLock(name, owner);
  }
}
