/**
 * The mailbox service: what POP3 and IMAP sessions do to stored mail — list, read, change flags,
 * expunge — with every committed change published on the event bus, so that other sessions on
 * the same mailbox (IMAP IDLE, a selected mailbox) learn of it at once.
 */

import { LoftError } from '../../core/errors.ts';
import type { MailboxEvents } from '../../core/events.ts';
import { MessageStates } from '../../core/message-states.ts';
import { UidList } from '../../core/uid-list.ts';
import type { BlobStore } from '../../store/blob/blob-store.ts';
import type {
  ConditionalFlagResult,
  FlagChange,
  FlagUpdate,
  MailboxRecord,
  MessageRecord,
  OpenedMailbox,
  SearchText,
  SpecialUse,
  Store,
  TextNeedle,
} from '../../store/store.ts';
import { MessageStateCache } from './state-cache.ts';
import { UidListCache } from './uid-cache.ts';

/** Needles shorter than this cannot use the full-text index (trigrams). */
export { MIN_INDEXED_NEEDLE } from '../../store/store.ts';
export type {
  ConditionalFlagResult,
  FlagChange,
  FlagUpdate,
  MailboxRecord,
  MessageRecord,
  OpenedMailbox,
  SearchText,
  SpecialUse,
  TextNeedle,
};

/** What a COPY or MOVE did: the UID pairs copied (source, target), in the order given. */
export interface CopyResult {
  copied: [number, number][];
  /** For a MOVE that removed messages: the source mailbox's MODSEQ of their removal. */
  expungeModseq?: number | undefined;
}

export class MailboxService {
  readonly #store: Store;
  readonly #blobs: BlobStore;
  readonly #events: MailboxEvents;

  readonly #uidLists: UidListCache;
  readonly #states: MessageStateCache;

  constructor(deps: { store: Store; blobs: BlobStore; events: MailboxEvents }) {
    this.#store = deps.store;
    this.#blobs = deps.blobs;
    this.#events = deps.events;
    this.#uidLists = new UidListCache(deps);
    this.#states = new MessageStateCache(deps);
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

  /** The UIDs of a mailbox (above `afterUid`, when given), ascending. */
  uids(mailboxId: number, afterUid?: number): Promise<number[]> {
    return this.#store.listUids(mailboxId, afterUid);
  }

  /**
   * Every UID of the mailbox as it is now, as runs (cheap for large mailboxes: kept from one
   * SELECT to the next while provably current). The list is the caller's to change. Subscribe to
   * the mailbox's events before calling, so that no later change is missed. `highestModseq`:
   * the mailbox's HIGHESTMODSEQ as the caller read it (saves reading it again); a value that is
   * out of date only costs a read of the UIDs.
   */
  async uidList(mailboxId: number, highestModseq?: number): Promise<UidList> {
    let modseq = highestModseq;
    if (modseq === undefined) {
      const mailbox = await this.#store.getMailboxById(mailboxId);
      if (!mailbox) return new UidList();
      modseq = mailbox.highestModseq;
    }
    return this.#uidLists.get(mailboxId, modseq);
  }

  /** The mailbox and its lowest UID without \Seen, read together (for SELECT). */
  open(accountId: number, name: string): Promise<OpenedMailbox | undefined> {
    return this.#store.openMailbox(accountId, name);
  }

  /** The messages with these UIDs, ascending. */
  messagesByUid(mailboxId: number, uids: readonly number[]): Promise<MessageRecord[]> {
    return this.#store.getMessages(mailboxId, uids);
  }

  /**
   * UID, flags, keywords, MODSEQ, size and INTERNALDATE of these UIDs (ascending), as they are
   * now: for FETCH items that need neither structure nor bytes. Many UIDs of a large mailbox come
   * from memory, kept current (only what changed is read again). The result may share the
   * cache's columns: read it before the next await.
   */
  async messageStates(mailboxId: number, uids: readonly number[]): Promise<MessageStates> {
    const mailbox = await this.#store.getMailboxById(mailboxId);
    if (!mailbox) return MessageStates.of([]);
    return this.#states.get(mailboxId, mailbox.highestModseq, uids);
  }

  /** The MIME structure computed at delivery (serialised; decode with `decodeStructure`). */
  structure(message: Pick<MessageRecord, 'blobId'>): Promise<string> {
    return this.#store.getStructure(message.blobId);
  }

  /** The MIME structures of these blobs (serialised), by blob id, in one read; absent blobs left out. */
  structures(blobIds: readonly string[]): Promise<Map<string, string>> {
    return this.#store.getStructures(blobIds);
  }

  /** Full-text candidates for SEARCH: a superset of the matching UIDs (see `Store.searchCandidates`). */
  searchCandidates(mailboxId: number, needles: readonly TextNeedle[]): Promise<number[]> {
    return this.#store.searchCandidates(mailboxId, needles);
  }

  /** The decoded text indexed at delivery, or undefined when the message has none. */
  searchText(message: Pick<MessageRecord, 'blobId'>): Promise<SearchText | undefined> {
    return this.#store.getSearchText(message.blobId);
  }

  /** The messages of a mailbox in UID order. */
  messages(mailboxId: number): Promise<MessageRecord[]> {
    return this.#store.listMessages(mailboxId);
  }

  /** The raw bytes of a message, or of the range [start, end). */
  read(message: Pick<MessageRecord, 'blobId'>, start?: number, end?: number): Promise<Buffer> {
    return this.#blobs.read(message.blobId, start, end);
  }

  /** The raw bytes of many messages at once, by blob id. */
  readMany(messages: readonly Pick<MessageRecord, 'blobId'>[]): Promise<Map<string, Buffer>> {
    return this.#blobs.readMany(messages.map((m) => m.blobId));
  }

  /** Changes flags and tells the mailbox's other sessions. */
  async setFlags(mailboxId: number, uids: readonly number[], change: FlagChange): Promise<FlagUpdate[]> {
    const updates = await this.#store.updateFlags(mailboxId, uids, change);
    for (const u of updates) this.#events.publish({ kind: 'flags', mailboxId, uid: u.uid, modseq: u.modseq });
    return updates;
  }

  /**
   * Changes flags only of the messages whose MODSEQ is at most `unchangedSince` (RFC 7162 §3.1.3),
   * test and change in one transaction, and tells the other sessions of those changed.
   */
  async setFlagsUnchangedSince(
    mailboxId: number,
    uids: readonly number[],
    change: FlagChange,
    unchangedSince: number,
  ): Promise<ConditionalFlagResult> {
    const result = await this.#store.updateFlagsUnchangedSince(mailboxId, uids, change, unchangedSince);
    for (const u of result.updated)
      this.#events.publish({ kind: 'flags', mailboxId, uid: u.uid, modseq: u.modseq });
    return result;
  }

  /** The UIDs of messages whose MODSEQ is above `modseq`, ascending (RFC 7162 CHANGEDSINCE). */
  changedSince(mailboxId: number, modseq: number): Promise<number[]> {
    return this.#store.changedSince(mailboxId, modseq);
  }

  /**
   * The UIDs expunged with a MODSEQ above `modseq`, ascending; undefined when the mailbox's
   * history does not reach back that far (see `Store.expungedSince`).
   */
  expungedSince(mailboxId: number, modseq: number): Promise<number[] | undefined> {
    return this.#store.expungedSince(mailboxId, modseq);
  }

  /** Removes messages for good, deletes files nothing refers to, and tells the other sessions. */
  async expunge(mailboxId: number, uids: readonly number[]): Promise<number[]> {
    return (await this.expungeMessages(mailboxId, uids)).expunged;
  }

  /**
   * Like {@link expunge}, also returning the MODSEQ of the removal (undefined when nothing was
   * removed): IMAP EXPUNGE reports it as HIGHESTMODSEQ (RFC 7162 §3.2.7).
   */
  async expungeMessages(
    mailboxId: number,
    uids: readonly number[],
  ): Promise<{ expunged: number[]; modseq: number | undefined }> {
    if (uids.length === 0) return { expunged: [], modseq: undefined };
    const { expunged, orphanBlobs } = await this.#store.expunge(mailboxId, uids);
    for (const e of expunged)
      this.#events.publish({ kind: 'expunge', mailboxId, uid: e.uid, modseq: e.modseq });
    for (const blob of orphanBlobs) await this.#blobs.remove(blob).catch(() => {});
    return { expunged: expunged.map((e) => e.uid), modseq: expunged[0]?.modseq };
  }

  /** Creates a mailbox with a fresh UIDVALIDITY; LoftError EXISTS if the name is taken. */
  createMailbox(accountId: number, name: string, specialUse?: SpecialUse): Promise<MailboxRecord> {
    return this.#store.createMailbox(accountId, name, specialUse);
  }

  /**
   * Deletes a mailbox and its messages (not its inferiors, RFC 9051 §6.3.5); sessions that have it
   * selected are told each message is gone, and files nothing refers to any more are deleted.
   * LoftError NOTFOUND if it is absent.
   */
  async deleteMailbox(mailbox: Pick<MailboxRecord, 'id' | 'highestModseq'>): Promise<void> {
    const uids = await this.#store.listUids(mailbox.id);
    const { orphanBlobs } = await this.#store.deleteMailbox(mailbox.id);
    const modseq = mailbox.highestModseq + 1;
    for (const uid of uids) this.#events.publish({ kind: 'expunge', mailboxId: mailbox.id, uid, modseq });
    for (const blob of orphanBlobs) await this.#blobs.remove(blob).catch(() => {});
  }

  /**
   * Renames mailboxes of an account in one transaction (pairs [from, to]); UIDVALIDITY and UIDs
   * stay. LoftError EXISTS if a target exists, NOTFOUND if a source does not.
   */
  renameMailboxes(accountId: number, renames: readonly (readonly [string, string])[]): Promise<void> {
    return this.#store.renameMailboxes(accountId, renames);
  }

  /** Adds or removes a name (which need not exist) in the account's subscriptions. */
  setSubscribed(accountId: number, name: string, subscribed: boolean): Promise<void> {
    return this.#store.setSubscribed(accountId, name, subscribed);
  }

  /**
   * Copies messages into `toMailboxId` in one transaction (flags, keywords and internal date
   * kept; new UIDs in the order given); with `move`, removes them from the source in the same
   * transaction (RFC 6851). Sessions on the target learn of the new messages, sessions on the
   * source of the removed ones. UIDs that no longer exist are skipped.
   */
  async copy(
    fromMailboxId: number,
    uids: readonly number[],
    toMailboxId: number,
    move: boolean,
  ): Promise<CopyResult> {
    if (uids.length === 0) return { copied: [] };
    const result = await this.#store.copyMessages(fromMailboxId, uids, toMailboxId, move);
    for (const [, uid] of result.copied)
      this.#events.publish({ kind: 'append', mailboxId: toMailboxId, uid, modseq: result.modseq });
    if (move && result.expungeModseq !== undefined) {
      for (const [uid] of result.copied)
        this.#events.publish({
          kind: 'expunge',
          mailboxId: fromMailboxId,
          uid,
          modseq: result.expungeModseq,
        });
    }
    return { copied: result.copied, expungeModseq: move ? result.expungeModseq : undefined };
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
