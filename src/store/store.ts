/**
 * The storage interface: everything Loft keeps, behind promises so that the SQLite backend
 * (embedded default) and the PostgreSQL backend implement the same contract
 * (`test/store/contract.ts` is the suite every backend passes).
 *
 * Storage raises {@link LoftError} with domain codes (EXISTS, NOTFOUND, TEMP, NOSPACE…), never
 * protocol replies. Names and addresses arrive already validated and normalised (lower-case
 * domains, lower-case addresses) by the services.
 */
import type { MailboxEvents } from '../core/events.ts';
import type { MessageStates } from '../core/message-states.ts';
import type {
  AccountRecord,
  AddressLookup,
  AliasRecord,
  ConditionalFlagResult,
  DeliveryCommit,
  DeliveryResult,
  DkimKeyInput,
  DkimKeyRecord,
  DomainRecord,
  FlagChange,
  FlagUpdate,
  ImportedMailbox,
  ImportedMessage,
  MailboxRecord,
  MessageRecord,
  OpenedMailbox,
  QueueBatch,
  QueueMessageRecord,
  QueueOutcome,
  ScramKeys,
  SearchBacklogItem,
  SearchText,
  SpecialUse,
  TextNeedle,
} from './records.ts';

export * from './records.ts';

export interface Store {
  // Domains
  addDomain(name: string): Promise<DomainRecord>;
  getDomain(name: string): Promise<DomainRecord | undefined>;
  listDomains(): Promise<DomainRecord[]>;
  /** Removes a domain; NOTFOUND if absent, INUSE while accounts remain in it. */
  removeDomain(name: string): Promise<void>;

  // DKIM keys (RFC 6376)
  /**
   * Adds signing keys to a domain in one transaction; with `retireActive`, the domain's keys in
   * use are retired in the same transaction (a rotation: they stay listed, no longer sign).
   * NOTFOUND for an unknown domain, EXISTS for a selector the domain already has.
   */
  addDkimKeys(
    domain: string,
    keys: readonly DkimKeyInput[],
    options?: { retireActive?: boolean; now?: number },
  ): Promise<DkimKeyRecord[]>;
  /** Every key of a domain, retired ones too, newest first (by id); empty for an unknown domain. */
  listDkimKeys(domain: string): Promise<DkimKeyRecord[]>;

  // Accounts
  /** Adds an account with its mailboxes in one transaction; EXISTS if the address is taken. */
  addAccount(input: {
    address: string;
    domainId: number;
    passwordHash: string;
    scram: ScramKeys | undefined;
    mailboxes: { name: string; specialUse: SpecialUse | undefined }[];
  }): Promise<AccountRecord>;
  getAccount(address: string): Promise<AccountRecord | undefined>;
  getAccountById(id: number): Promise<AccountRecord | undefined>;
  listAccounts(domain?: string): Promise<AccountRecord[]>;
  setPassword(address: string, passwordHash: string, scram: ScramKeys | undefined): Promise<void>;
  /**
   * Removes an account, its mailboxes and messages; the blobs no longer referenced that have a
   * file are returned for its deletion (an inline body goes with its rows).
   */
  removeAccount(address: string): Promise<{ orphanBlobs: string[] }>;

  // Aliases
  addAlias(source: string, target: string): Promise<void>;
  removeAlias(source: string, target?: string): Promise<number>;
  listAliases(source?: string): Promise<AliasRecord[]>;
  /**
   * In one query: whether `domain` is local, the aliases and the accounts (with their INBOX) of
   * up to three candidate addresses of that domain (lower-case, normalised).
   */
  lookupAddress(domain: string, candidates: readonly string[]): Promise<AddressLookup>;
  /**
   * A number that changes whenever a domain, account, alias or mailbox name changes, by any
   * process, and at no other time (deliveries and flag changes leave it): while it stays, routes
   * looked up before still hold. Only equality means anything. On PostgreSQL, while the store
   * follows the change feed (`watch`), a change by another process counts once its notification
   * has arrived, milliseconds after its commit.
   */
  directoryVersion(): Promise<number>;

  // Mailboxes and messages
  listMailboxes(accountId: number): Promise<MailboxRecord[]>;
  getMailbox(accountId: number, name: string): Promise<MailboxRecord | undefined>;
  getMailboxById(id: number): Promise<MailboxRecord | undefined>;
  /** Creates a mailbox with a fresh UIDVALIDITY; EXISTS if the name is taken. */
  createMailbox(accountId: number, name: string, specialUse?: SpecialUse): Promise<MailboxRecord>;
  /** Deletes a mailbox and its messages; returns the blobs no longer referenced that have a file. NOTFOUND if absent. */
  deleteMailbox(mailboxId: number): Promise<{ orphanBlobs: string[] }>;
  /**
   * Renames mailboxes in one transaction: each pair [from, to] of the account; EXISTS if a target
   * exists, NOTFOUND if a source does not. UIDVALIDITY and UIDs stay (RFC 9051 §6.3.6).
   */
  renameMailboxes(accountId: number, renames: readonly (readonly [string, string])[]): Promise<void>;
  /** Subscribes or unsubscribes a name (which need not exist, RFC 9051 §6.3.7). */
  setSubscribed(accountId: number, name: string, subscribed: boolean): Promise<void>;
  listSubscriptions(accountId: number): Promise<string[]>;
  /**
   * Copies messages (flags, keywords, internal date kept) into another mailbox with new UIDs in
   * the order given; with `move`, also removes them from the source in the same transaction
   * (RFC 6851). Returns the UID pairs actually copied and the source's expunge MODSEQ.
   */
  copyMessages(
    fromMailboxId: number,
    uids: readonly number[],
    toMailboxId: number,
    move: boolean,
  ): Promise<{ copied: [number, number][]; modseq: number; expungeModseq: number | undefined }>;
  listMessages(mailboxId: number): Promise<MessageRecord[]>;
  /** Counts for STATUS: messages, unseen, deleted, total size (one query). */
  mailboxStats(
    mailboxId: number,
  ): Promise<{ messages: number; unseen: number; deleted: number; size: number }>;
  /** The UIDs of a mailbox in ascending order (cheap: for SELECT on large mailboxes). */
  listUids(mailboxId: number, afterUid?: number): Promise<number[]>;
  /**
   * What SELECT needs in one read: the mailbox and the lowest UID without \Seen (RFC 3501 §6.3.1
   * UNSEEN; served by an index), or undefined when there is no such mailbox.
   */
  openMailbox(accountId: number, name: string): Promise<OpenedMailbox | undefined>;
  /** The messages with these UIDs (absent ones skipped), in ascending UID order. */
  getMessages(mailboxId: number, uids: readonly number[]): Promise<MessageRecord[]>;
  /**
   * UID, flags, keywords, MODSEQ, size and INTERNALDATE of every message of a mailbox, in
   * columns by ascending UID: what `getMessages` gives of each, read faster (no blob ids).
   */
  readMessageStates(mailboxId: number): Promise<MessageStates>;
  /**
   * Changes the flags of the given messages (absent UIDs are ignored): `add` and `remove` are
   * system-flag bit sets and keyword lists. Each message actually changed gets a new MODSEQ,
   * above every earlier one; messages changed by one call may share it (RFC 7162 §2 asks for a
   * new mod-sequence per operation). Returns the changed messages with their new state.
   */
  updateFlags(mailboxId: number, uids: readonly number[], change: FlagChange): Promise<FlagUpdate[]>;
  /**
   * Like {@link updateFlags}, but only for the messages whose MODSEQ is at most `unchangedSince`
   * (RFC 7162 §3.1.3); the others are left alone and returned in `modified`. The test and the
   * change are one transaction: of two racing calls with the same `unchangedSince`, only one
   * changes a given message.
   */
  updateFlagsUnchangedSince(
    mailboxId: number,
    uids: readonly number[],
    change: FlagChange,
    unchangedSince: number,
  ): Promise<ConditionalFlagResult>;
  /**
   * The UIDs, ascending, of the mailbox's messages whose MODSEQ is above `modseq` (RFC 7162
   * §3.1.4.1 CHANGEDSINCE, §3.2.5 QRESYNC).
   */
  changedSince(mailboxId: number, modseq: number): Promise<number[]>;
  /**
   * The UIDs, ascending, expunged from the mailbox with a MODSEQ above `modseq` (RFC 7162 §3.2.5
   * VANISHED (EARLIER)). Every expunge is remembered; undefined when the history does not reach
   * back that far (the mailbox predates it), and the caller must then assume any UID not present
   * may have been expunged.
   */
  expungedSince(mailboxId: number, modseq: number): Promise<number[] | undefined>;
  /**
   * Removes messages for good (absent UIDs are ignored) and remembers each removed UID with the
   * MODSEQ of the removal (see {@link expungedSince}). Returns the removed UIDs with that MODSEQ,
   * and the blobs no longer referenced by anything that have a file (to delete from the blob
   * store; an inline body goes with its rows). Moving
   * messages out ({@link copyMessages} with `move`) expunges them alike.
   */
  expunge(
    mailboxId: number,
    uids: readonly number[],
  ): Promise<{ expunged: { uid: number; modseq: number }[]; orphanBlobs: string[] }>;
  /**
   * Takes the named lock for `owner` unless another owner holds it and its lease has not expired;
   * taking it again as the same owner renews the lease.
   */
  tryLock(name: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Releases the named lock if `owner` holds it. */
  releaseLock(name: string, owner: string): Promise<void>;

  /**
   * The content of a body kept inline (or its byte range [start, end)); undefined when the body
   * is not inline (it is a file of the blob store) or does not exist.
   */
  readInlineBody(blobId: string, start?: number, end?: number): Promise<Buffer | undefined>;
  /** The whole content of those bodies that are inline, by blob id (others are absent). */
  readInlineBodies(blobIds: readonly string[]): Promise<Map<string, Buffer>>;
  /**
   * The full-text backlog: stored messages (by blob, oldest first, at most `limit`) whose text is
   * not in the index yet. Every commit that places a new blob in a mailbox adds it; the search
   * indexer works it off in the background, so indexing never delays an acknowledgement. A
   * backend shared by several processes hands each item to one of them at a time (a lease).
   */
  searchBacklog(limit: number): Promise<SearchBacklogItem[]>;
  /**
   * Adds texts to the full-text index and takes their blobs off the backlog, in one transaction.
   * A `null` text takes the blob off the backlog without indexing it (its body could not be
   * read): search then treats it as unindexed and reads the message. Blobs gone meanwhile are
   * skipped.
   */
  indexSearchText(items: readonly { blobId: string; text: SearchText | null }[]): Promise<void>;

  /** The serialised MIME structure stored with the blob; NOTFOUND if absent. */
  getStructure(blobId: string): Promise<string>;

  /** The serialised structures of these blobs, by blob id, in one read; absent blobs are left out. */
  getStructures(blobIds: readonly string[]): Promise<Map<string, string>>;

  /**
   * Full-text candidates (the index narrows, the caller confirms): the UIDs, ascending, of the
   * mailbox's messages whose indexed text may contain every needle, case-insensitively. Never
   * leaves out a message that does: messages without indexed text, or whose text was truncated,
   * are always included, and needles shorter than {@link MIN_INDEXED_NEEDLE} characters do not
   * narrow. Needles are compared after Unicode NFC normalisation.
   */
  searchCandidates(mailboxId: number, needles: readonly TextNeedle[]): Promise<number[]>;

  /** The text indexed for a blob, or undefined when it has none (yet). */
  getSearchText(blobId: string): Promise<SearchText | undefined>;

  /**
   * Commits one accepted message: the blob row, a message row in each placement's mailbox with a
   * fresh UID (strictly increasing per mailbox, never reused), and the outbound queue entry.
   * The blob itself must already be durable. Concurrent calls may be committed together in one
   * transaction (group commit); each resolves only after its transaction is durable.
   */
  commitDelivery(delivery: DeliveryCommit): Promise<DeliveryResult>;

  /**
   * Commits several messages all or nothing (MULTIAPPEND, RFC 3502 §3): every one, in the order
   * given, in one transaction, or none of them. Resolves with one result per delivery, in order,
   * once the transaction is durable; rejects (LoftError) when any delivery fails, and then no
   * row of any of them is visible to anyone, before or after. Group commit still applies: the
   * set may share its transaction with other deliveries, whose outcomes stay independent.
   */
  commitDeliveries(deliveries: readonly DeliveryCommit[]): Promise<DeliveryResult[]>;

  // Outbound queue
  listQueue(): Promise<QueueMessageRecord[]>;
  getQueued(id: number): Promise<QueueMessageRecord | undefined>;
  /**
   * Leases due recipients (pending, `nextAttemptAt <= now`, no unexpired lease) for `leaseMs`,
   * grouped by message and domain, at most `limit` groups, the longest waiting first. Safe with
   * several runners in several processes: a recipient is leased to one runner at a time; an
   * expired lease (a runner that crashed) makes it claimable again.
   */
  claimQueue(now: number, leaseMs: number, limit: number): Promise<QueueBatch[]>;
  /**
   * Records the outcomes of a batch and releases its lease, in one transaction. Outcomes for
   * recipients no longer leased with `leaseUntil` (the lease expired and another runner took
   * them, or the message was removed) are ignored. When no recipient of the message is pending
   * any more, the message is removed; `orphanBlobs` are the bodies nothing refers to any more
   * and whose files the caller removes (inline bodies are gone with their rows).
   */
  recordQueueOutcomes(
    messageId: number,
    leaseUntil: number,
    outcomes: readonly QueueOutcome[],
  ): Promise<{ applied: number; removed: boolean; orphanBlobs: string[] }>;
  /**
   * Extends a lease that still holds (a long delivery): the recipients leased with `leaseUntil`
   * are leased until `newLeaseUntil`, which becomes the token for their outcomes. Returns how many
   * were renewed (fewer when the lease was lost meanwhile).
   */
  renewQueueLease(
    recipientIds: readonly number[],
    leaseUntil: number,
    newLeaseUntil: number,
  ): Promise<number>;
  /**
   * Makes the pending recipients of message `id` (all messages when undefined) due at `now`;
   * returns how many. NOTFOUND when `id` names no queued message.
   */
  retryQueue(id: number | undefined, now: number): Promise<number>;
  /** Removes a queued message and its recipients (`orphanBlobs` as for outcomes); NOTFOUND if absent. */
  removeQueued(id: number): Promise<{ orphanBlobs: string[] }>;
  /** When the next pending recipient becomes claimable (ms), or undefined when none is pending. */
  nextQueueDue(): Promise<number | undefined>;

  /** Blob ids referenced by nothing (for the sweeper after a crash). */
  isBlobReferenced(blobId: string): Promise<boolean>;

  // Moving all data between backends (`loft export` / `loft import`)
  /**
   * Creates a mailbox with the identity it had where it was exported, so that clients keep their
   * caches (RFC 9051 §2.3.1.1: same UIDVALIDITY, same UIDs). EXISTS if the account has that
   * name. Mailboxes created later still get a UIDVALIDITY never used before in this store.
   */
  importMailbox(input: ImportedMailbox): Promise<MailboxRecord>;
  /**
   * Stores exported messages in a mailbox with their UIDs, flags, keywords, internal dates and
   * MODSEQs, in one transaction; they join the search backlog. EXISTS if a UID is taken; a UID
   * or MODSEQ above the mailbox's UIDNEXT or HIGHESTMODSEQ raises those.
   */
  importMessages(mailboxId: number, messages: readonly ImportedMessage[]): Promise<void>;

  /**
   * Backends shared by several processes: publishes into `events` every mailbox change other
   * processes commit from now on, and `resync` when some may have been missed. Absent for
   * single-process backends (SQLite), whose changes the services publish themselves.
   */
  watch?(events: MailboxEvents): Promise<void>;

  close(): Promise<void>;
}
