/**
 * What the POP3 sessions need from the rest of Loft, defined here where it is consumed; the
 * composition root (src/loft.ts) wires the directory and mailbox services to it.
 */
import type { FailureLimiter } from '../../core/rate-limit.ts';
import type { SaslCredentials } from '../../proto/sasl/mechanism.ts';

/** One message of the maildrop as the session saw it at login. */
export interface Pop3Message {
  uid: number;
  /** Octets of the stored message: what RETR sends before dot-stuffing (CRLF line ends). */
  size: number;
  blobId: string;
  /** The message had \Seen at login (or this session's RETR set it). */
  seen: boolean;
}

/** The INBOX at one moment: the maildrop a session locks at login (RFC 1939 §4). */
export interface MaildropSnapshot {
  mailboxId: number;
  uidValidity: number;
  /** In UID order: message number n is `messages[n - 1]`. */
  messages: Pop3Message[];
}

export interface Pop3Services {
  /** Checks credentials for USER/PASS and SASL. */
  credentials: SaslCredentials;
  /** The id of the account with this login, if any. */
  accountId(address: string): Promise<number | undefined>;
  /** The account's INBOX as it is now. */
  openInbox(accountId: number): Promise<MaildropSnapshot>;
  /** Octets [start, end) of a stored message; fewer at its end. NOTFOUND when it is gone. */
  read(message: Pop3Message, start: number, end: number): Promise<Buffer>;
  /** Whole messages at once, by blob id (for pipelined RETRs). */
  readMany(messages: readonly Pop3Message[]): Promise<Map<string, Buffer>>;
  /** Sets \Seen on messages (other sessions are told). */
  markSeen(mailboxId: number, uids: readonly number[]): Promise<void>;
  /** Removes messages for good (other sessions see EXPUNGE); returns the UIDs removed. */
  expunge(mailboxId: number, uids: readonly number[]): Promise<number[]>;
  /** Takes or renews an exclusive lease; false when another owner holds it. */
  lock(name: string, owner: string, leaseMs: number): Promise<boolean>;
  unlock(name: string, owner: string): Promise<void>;
  /** Failed logins per client IP, shared with SMTP. */
  authFailures: FailureLimiter;
}
