/**
 * What IMAP sessions need from the rest of Loft, defined where it is consumed; the composition
 * root adapts the directory and mailbox services to it. Sessions never reach storage otherwise.
 */
import type { MailboxChange } from '../../core/events.ts';
import type { MessageStates } from '../../core/message-states.ts';
import type { FailureLimiter, SessionCounter } from '../../core/rate-limit.ts';
import type { UidList } from '../../core/uid-list.ts';
import type { SaslCredentials } from '../../proto/sasl/mechanism.ts';
import type {
  ConditionalFlagResult,
  CopyResult,
  FlagChange,
  FlagUpdate,
  MailboxRecord,
  MessageRecord,
  OpenedMailbox,
  SearchText,
  SpecialUse,
  TextNeedle,
} from '../../services/mailbox/mailbox.ts';

export type {
  ConditionalFlagResult,
  CopyResult,
  FlagChange,
  FlagUpdate,
  MailboxRecord,
  MessageRecord,
  SearchText,
  SpecialUse,
  TextNeedle,
};

/** The mailbox operations sessions use (implemented by MailboxService). */
export interface MailboxAccess {
  listMailboxes(accountId: number): Promise<MailboxRecord[]>;
  mailbox(accountId: number, name: string): Promise<MailboxRecord | undefined>;
  mailboxById(id: number): Promise<MailboxRecord | undefined>;
  uids(mailboxId: number, afterUid?: number): Promise<number[]>;
  /** The mailbox and its lowest UID without \Seen, read together (for SELECT). */
  open(accountId: number, name: string): Promise<OpenedMailbox | undefined>;
  /** Every UID of the mailbox now, as runs (subscribe to its events first). */
  uidList(mailboxId: number, highestModseq?: number): Promise<UidList>;
  stats(mailboxId: number): Promise<{ messages: number; unseen: number; deleted: number; size: number }>;
  subscriptions(accountId: number): Promise<string[]>;
  messagesByUid(mailboxId: number, uids: readonly number[]): Promise<MessageRecord[]>;
  /** What FETCH needs of messages when it needs neither structure nor bytes (read before the next await). */
  messageStates(mailboxId: number, uids: readonly number[]): Promise<MessageStates>;
  read(message: Pick<MessageRecord, 'blobId'>, start?: number, end?: number): Promise<Buffer>;
  /** Many whole messages at once, by blob id (one storage round trip for the small ones). */
  readMany(messages: readonly Pick<MessageRecord, 'blobId'>[]): Promise<Map<string, Buffer>>;
  structure(message: Pick<MessageRecord, 'blobId'>): Promise<string>;
  /** FETCH: the structures of many messages in one read, by blob id (absent blobs left out). */
  structures(blobIds: readonly string[]): Promise<Map<string, string>>;
  /** SEARCH: full-text candidates (the index narrows; the caller confirms). See `Store.searchCandidates`. */
  searchCandidates(mailboxId: number, needles: readonly TextNeedle[]): Promise<number[]>;
  /** SEARCH: the decoded text indexed at delivery, or undefined when the message has none. */
  searchText(message: Pick<MessageRecord, 'blobId'>): Promise<SearchText | undefined>;
  setFlags(mailboxId: number, uids: readonly number[], change: FlagChange): Promise<FlagUpdate[]>;
  /** STORE UNCHANGEDSINCE (RFC 7162 §3.1.3): the test and the change in one transaction. */
  setFlagsUnchangedSince(
    mailboxId: number,
    uids: readonly number[],
    change: FlagChange,
    unchangedSince: number,
  ): Promise<ConditionalFlagResult>;
  /** UIDs of messages whose MODSEQ is above `modseq`, ascending. */
  changedSince(mailboxId: number, modseq: number): Promise<number[]>;
  /** UIDs expunged with a MODSEQ above `modseq`, ascending; undefined when not known that far back. */
  expungedSince(mailboxId: number, modseq: number): Promise<number[] | undefined>;
  expunge(mailboxId: number, uids: readonly number[]): Promise<number[]>;
  /** EXPUNGE: the UIDs removed and the MODSEQ of the removal (undefined when none). */
  expungeMessages(
    mailboxId: number,
    uids: readonly number[],
  ): Promise<{ expunged: number[]; modseq: number | undefined }>;
  /** CREATE: LoftError EXISTS when the name is taken. */
  createMailbox(accountId: number, name: string, specialUse?: SpecialUse): Promise<MailboxRecord>;
  /** DELETE: the mailbox and its messages, not its inferiors. */
  deleteMailbox(mailbox: Pick<MailboxRecord, 'id' | 'highestModseq'>): Promise<void>;
  /** RENAME: all pairs [from, to] in one transaction; EXISTS / NOTFOUND. */
  renameMailboxes(accountId: number, renames: readonly (readonly [string, string])[]): Promise<void>;
  /** SUBSCRIBE / UNSUBSCRIBE: the name need not exist. */
  setSubscribed(accountId: number, name: string, subscribed: boolean): Promise<void>;
  /** COPY / MOVE in one transaction, with events for both mailboxes. */
  copy(
    fromMailboxId: number,
    uids: readonly number[],
    toMailboxId: number,
    move: boolean,
  ): Promise<CopyResult>;
  events: { subscribe(mailboxId: number, listener: (change: MailboxChange) => void): () => void };
}

export interface ImapServices {
  credentials: SaslCredentials;
  /** The id of the account with this login, if any. */
  accountId(address: string): Promise<number | undefined>;
  authFailures: FailureLimiter;
  /** Open sessions per account, shared by every IMAP listener (`imap.max_connections_per_user`). */
  userSessions: SessionCounter;
  mailboxes: MailboxAccess;
  /**
   * APPEND and MULTIAPPEND through the one delivery point: stores each message's `raw` as given
   * in the mailbox with its flags (system-flag bits), keywords and internal date (ms), all or
   * nothing in one transaction (RFC 3502 §3); resolves with the new UIDs in order. No other
   * session learns of any of them before all are committed.
   */
  append(
    mailboxId: number,
    messages: readonly { raw: Buffer; flags?: number; keywords?: readonly string[]; internalDate?: number }[],
  ): Promise<{ uid: number }[]>;
}
