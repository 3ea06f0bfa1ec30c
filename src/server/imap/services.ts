/**
 * What IMAP sessions need from the rest of Loft, defined where it is consumed; the composition
 * root adapts the directory and mailbox services to it. Sessions never reach storage otherwise.
 */
import type { MailboxChange } from '../../core/events.ts';
import type { FailureLimiter } from '../../core/rate-limit.ts';
import type { SaslCredentials } from '../../proto/sasl/mechanism.ts';
import type { FlagChange, FlagUpdate, MailboxRecord, MessageRecord } from '../../services/mailbox/mailbox.ts';

export type { FlagChange, FlagUpdate, MailboxRecord, MessageRecord };

/** The mailbox operations sessions use (implemented by MailboxService). */
export interface MailboxAccess {
  listMailboxes(accountId: number): Promise<MailboxRecord[]>;
  mailbox(accountId: number, name: string): Promise<MailboxRecord | undefined>;
  mailboxById(id: number): Promise<MailboxRecord | undefined>;
  uids(mailboxId: number): Promise<number[]>;
  stats(mailboxId: number): Promise<{ messages: number; unseen: number; deleted: number; size: number }>;
  subscriptions(accountId: number): Promise<string[]>;
  messagesByUid(mailboxId: number, uids: readonly number[]): Promise<MessageRecord[]>;
  read(message: Pick<MessageRecord, 'blobId'>, start?: number, end?: number): Promise<Buffer>;
  structure(message: Pick<MessageRecord, 'blobId'>): Promise<string>;
  setFlags(mailboxId: number, uids: readonly number[], change: FlagChange): Promise<FlagUpdate[]>;
  expunge(mailboxId: number, uids: readonly number[]): Promise<number[]>;
  events: { subscribe(mailboxId: number, listener: (change: MailboxChange) => void): () => void };
}

export interface ImapServices {
  credentials: SaslCredentials;
  /** The id of the account with this login, if any. */
  accountId(address: string): Promise<number | undefined>;
  authFailures: FailureLimiter;
  mailboxes: MailboxAccess;
}
