/**
 * The records and inputs of the storage interface (`store.ts`): what the store keeps and hands
 * out, shared by every backend and by the services.
 */
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

/**
 * What an address of a domain may resolve to, read in one query (see `Store.lookupAddress`):
 * recipient resolution needs the domain, the aliases and the accounts of a few candidate
 * addresses (the address, its form without `+tag`, the catch-all `@domain`) at once.
 */
export interface AddressLookup {
  /** The domain is one of Loft's. */
  localDomain: boolean;
  /** The aliases whose source is one of the candidates, by source, then target. */
  aliases: AliasRecord[];
  /** The accounts whose address is one of the candidates, with the id of their INBOX. */
  accounts: { id: number; address: string; inboxId: number | undefined }[];
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

/** A mailbox as SELECT reads it: its row and its first unseen message, from one snapshot. */
export interface OpenedMailbox {
  mailbox: MailboxRecord;
  /** The lowest UID without \Seen (RFC 3501 §6.3.1 UNSEEN), or undefined when every message is seen. */
  firstUnseenUid: number | undefined;
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
