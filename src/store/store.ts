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
import type { BlobRef } from './blob/blob-store.ts';

export interface DomainRecord {
  id: number;
  name: string;
  createdAt: number;
}

/** A DKIM signing algorithm Loft generates keys for (RFC 6376 §3.3, RFC 8463 §3). */
export type DkimAlgorithm = 'rsa-sha256' | 'ed25519-sha256';

/** A DKIM key to store for a domain. */
export interface DkimKeyInput {
  /** The selector (RFC 6376 §3.1), unique per domain. */
  selector: string;
  algorithm: DkimAlgorithm;
  /** The private key, PKCS #8 PEM. */
  privateKey: string;
  /** The public key as published in the DNS `p=` tag (base64, RFC 6376 §3.6.1, RFC 8463 §4). */
  publicKey: string;
}

/** A stored DKIM key; `retiredAt` is set once a rotation replaced it (it is then no longer used to sign). */
export interface DkimKeyRecord extends DkimKeyInput {
  id: number;
  domainId: number;
  createdAt: number;
  retiredAt: number | undefined;
}

export interface ScramKeys {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

export interface AccountRecord {
  id: number;
  /** The full address, lower-case: the login name. */
  address: string;
  domainId: number;
  passwordHash: string;
  scram: ScramKeys | undefined;
  createdAt: number;
}

export interface AliasRecord {
  /** `local@domain`, or `@domain` for a catch-all. */
  source: string;
  target: string;
}

/** RFC 6154 special-use attributes. */
export type SpecialUse = '\\Sent' | '\\Drafts' | '\\Trash' | '\\Junk' | '\\Archive' | '\\All' | '\\Flagged';

export interface MailboxRecord {
  id: number;
  accountId: number;
  name: string;
  specialUse: SpecialUse | undefined;
  uidValidity: number;
  uidNext: number;
  highestModseq: number;
  subscribed: boolean;
}

/** System flags as a bit set (RFC 9051 §2.3.2); keywords are kept apart. */
export const FLAG_BITS = {
  '\\Seen': 1,
  '\\Answered': 2,
  '\\Flagged': 4,
  '\\Deleted': 8,
  '\\Draft': 16,
} as const;
export type SystemFlag = keyof typeof FLAG_BITS;

export interface MessageRecord {
  mailboxId: number;
  uid: number;
  blobId: string;
  size: number;
  /** Milliseconds since the epoch (IMAP INTERNALDATE). */
  internalDate: number;
  flags: number;
  keywords: string[];
  modseq: number;
}

/**
 * A change of flags: bits to set and to clear, keywords to add and to remove. With `keywords`,
 * the message's keywords are replaced by exactly these (STORE FLAGS), and `addKeywords` and
 * `removeKeywords` are not used.
 */
export interface FlagChange {
  add?: number;
  remove?: number;
  addKeywords?: readonly string[];
  removeKeywords?: readonly string[];
  keywords?: readonly string[];
}

/** What a conditional flag change did (RFC 7162 §3.1.3 UNCHANGEDSINCE). */
export interface ConditionalFlagResult {
  /** The messages whose flags changed, with their new state and MODSEQ. */
  updated: FlagUpdate[];
  /** The UIDs left alone because their MODSEQ was above the limit, ascending. */
  modified: number[];
}

export interface FlagUpdate {
  uid: number;
  flags: number;
  keywords: string[];
  modseq: number;
}

/** One message placed in one mailbox by a delivery. */
export interface MailboxPlacement {
  mailboxId: number;
  flags?: number;
  keywords?: string[];
}

/** A recipient of a queued (outbound) message, with its RFC 3461 DSN parameters. */
export interface QueueRecipientInput {
  address: string;
  /** RFC 3461 ORCPT: address type and decoded address. */
  orcpt?: { type: string; address: string } | undefined;
  /** RFC 3461 NOTIFY: undefined when not given. */
  notify?: ('NEVER' | 'SUCCESS' | 'FAILURE' | 'DELAY')[] | undefined;
}

export interface QueueMessageInput {
  /** Envelope sender, '' for the null reverse-path. */
  sender: string;
  recipients: QueueRecipientInput[];
  /** The blob, and where the content to send starts in it (after local-only trace headers). */
  blob: BlobRef;
  blobOffset: number;
  envId?: string | undefined;
  ret?: 'FULL' | 'HDRS' | undefined;
  requireTls: boolean;
  smtpUtf8: boolean;
  eightBit: boolean;
  /** The account that submitted it, if any. */
  accountId?: number | undefined;
}

export interface QueueRecipientRecord extends QueueRecipientInput {
  id: number;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: number;
  lastError: string | undefined;
  /** A delay notice (RFC 3464 Action: delayed) was sent for this recipient. */
  delayNotified: boolean;
}

export interface QueueMessageRecord {
  id: number;
  sender: string;
  blobId: string;
  blobOffset: number;
  size: number;
  envId: string | undefined;
  ret: 'FULL' | 'HDRS' | undefined;
  requireTls: boolean;
  smtpUtf8: boolean;
  eightBit: boolean;
  accountId: number | undefined;
  createdAt: number;
  recipients: QueueRecipientRecord[];
}

/** The queued message without its recipients. */
export type QueueMessageHead = Omit<QueueMessageRecord, 'recipients'>;

/**
 * Due recipients of one queued message at one domain, leased to one runner: nobody else claims
 * them before `leaseUntil` (ms), which is also the token its outcomes must present.
 */
export interface QueueBatch {
  message: QueueMessageHead;
  /** The recipients' domain, lower case (the part after the last `@`). */
  domain: string;
  recipients: QueueRecipientRecord[];
  leaseUntil: number;
}

/** What became of one leased recipient after an attempt (each counts as one attempt). */
export type QueueOutcome =
  | { recipientId: number; status: 'delivered'; detail?: string }
  | { recipientId: number; status: 'failed'; error: string }
  | {
      recipientId: number;
      status: 'retry';
      /** When to try again (ms since the epoch). */
      at: number;
      error: string;
      /** Set when a delay notice was sent with this outcome. */
      delayNotified?: boolean;
    };

/** The decoded text of a message for the full-text search index (IMAP SEARCH BODY/TEXT). */
export interface SearchText {
  /** The top-level header, one `Name: decoded value` line per field. */
  headers: string;
  /** The decoded text parts (and attached messages' headers and text). */
  body: string;
  /**
   * True when the text was cut at the size limit: the index then cannot rule the message out,
   * and a search must confirm against text extracted again from the message itself.
   */
  truncated?: boolean | undefined;
}

/**
 * One needle for {@link Store.searchCandidates}: `body` searches the body text, `headers` the
 * header text, `text` both (IMAP SEARCH TEXT, RFC 9051 §6.4.4).
 */
export interface TextNeedle {
  field: 'body' | 'headers' | 'text';
  needle: string;
}

/** Needles shorter than this (in characters) cannot use the trigram index and do not narrow. */
export const MIN_INDEXED_NEEDLE = 3;

/** A message as `loft import` stores it: with the identity and state it had where it was exported. */
export interface ImportedMessage {
  uid: number;
  flags: number;
  keywords: readonly string[];
  internalDate: number;
  modseq: number;
  /** The body, already stored (inline content travels with the commit, as for deliveries). */
  blob: BlobRef;
  /** The serialised MIME structure (`encodeStructure`). */
  structure: string;
}

/** A mailbox as `loft import` creates it, with the UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ it had. */
export interface ImportedMailbox {
  accountId: number;
  name: string;
  specialUse: SpecialUse | undefined;
  uidValidity: number;
  uidNext: number;
  highestModseq: number;
}

/** A blob waiting for the full-text index, with the structure its text is extracted by. */
export interface SearchBacklogItem {
  blobId: string;
  /** The serialised MIME structure stored with the blob. */
  structure: string;
}

/** Everything one accepted message commits in a single transaction. */
export interface DeliveryCommit {
  blob: BlobRef;
  /** The MIME structure computed at delivery, serialised (`encodeStructure`); stored once per blob. */
  structure: string;
  internalDate: number;
  placements: MailboxPlacement[];
  queue?: QueueMessageInput | undefined;
}

export interface DeliveryResult {
  /** The UID each placement received, in the order of `placements`. */
  placed: { mailboxId: number; uid: number; modseq: number }[];
  queueId: number | undefined;
}

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
  /** Removes an account, its mailboxes and messages; the blobs no longer referenced are returned for deletion. */
  removeAccount(address: string): Promise<{ orphanBlobs: string[] }>;

  // Aliases
  addAlias(source: string, target: string): Promise<void>;
  removeAlias(source: string, target?: string): Promise<number>;
  listAliases(source?: string): Promise<AliasRecord[]>;

  // Mailboxes and messages
  listMailboxes(accountId: number): Promise<MailboxRecord[]>;
  getMailbox(accountId: number, name: string): Promise<MailboxRecord | undefined>;
  getMailboxById(id: number): Promise<MailboxRecord | undefined>;
  /** Creates a mailbox with a fresh UIDVALIDITY; EXISTS if the name is taken. */
  createMailbox(accountId: number, name: string, specialUse?: SpecialUse): Promise<MailboxRecord>;
  /** Deletes a mailbox and its messages; returns the blobs no longer referenced. NOTFOUND if absent. */
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
  /** The lowest UID without \Seen (RFC 3501 §6.3.1 UNSEEN), or undefined; served by an index. */
  firstUnseenUid(mailboxId: number): Promise<number | undefined>;
  /** The messages with these UIDs (absent ones skipped), in ascending UID order. */
  getMessages(mailboxId: number, uids: readonly number[]): Promise<MessageRecord[]>;
  /**
   * Changes the flags of the given messages (absent UIDs are ignored): `add` and `remove` are
   * system-flag bit sets and keyword lists. Each message actually changed gets a new MODSEQ.
   * Returns the changed messages with their new state.
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
   * and the blobs no longer referenced by anything (to delete from the blob store). Moving
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
   * indexer works it off in the background, so indexing never delays an acknowledgement.
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
   * any more, the message is removed; `orphanBlobs` are the bodies nothing refers to any more.
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
  /** Removes a queued message and its recipients; NOTFOUND if absent. */
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
