/**
 * The values Loft's SMTP client takes and returns: the envelope of one transaction, the message
 * content, the timeouts, and the outcome per recipient.
 */
import type { Mailbox } from '../../proto/smtp/address.ts';
import type { BodyType, NotifyEvent, OriginalRecipient } from '../../proto/smtp/command-types.ts';

/** One recipient with its DSN parameters (RFC 3461 §4.1, §4.2), passed on when the peer offers DSN. */
export interface RecipientSpec {
  readonly address: Mailbox;
  readonly notify?: 'NEVER' | readonly NotifyEvent[];
  readonly orcpt?: OriginalRecipient;
}

/** One transaction: a sender, its recipients (one transaction for all of them), and its needs. */
export interface Envelope {
  /** The reverse path; `null` for the null sender `<>`. */
  readonly from: Mailbox | null;
  readonly recipients: readonly RecipientSpec[];
  /** What the content needs (RFC 6152, RFC 3030): default 7BIT. */
  readonly body?: BodyType;
  /**
   * The message needs SMTPUTF8 (RFC 6531: UTF-8 in headers). Addresses with a non-ASCII local part
   * need it too, which the client finds out itself.
   */
  readonly smtputf8?: boolean;
  /** RFC 3461 §4.3 RET and §4.4 ENVID, passed on when the peer offers DSN. */
  readonly ret?: 'FULL' | 'HDRS';
  readonly envid?: string;
}

/**
 * The content: its size in octets (for SIZE) and its bytes, CRLF line ends (a bare CR or LF is
 * sent as CRLF), not dot-stuffed. `chunks` is called once per transaction; a yielded buffer must
 * not be changed afterwards (the client may keep a view of it until the next one).
 */
export interface MessageSource {
  readonly size: number;
  chunks(): AsyncIterable<Uint8Array>;
}

/** A message held in memory as a {@link MessageSource}. */
export function messageFromBuffer(content: Uint8Array): MessageSource {
  return {
    size: content.byteLength,
    async *chunks() {
      yield content;
    },
  };
}

/**
 * Timeouts in milliseconds, after RFC 5321 §4.5.3.2: initial 5 min (§4.5.3.2.1), MAIL 5 min
 * (§4.5.3.2.2), RCPT 5 min (§4.5.3.2.3), DATA initiation 2 min (§4.5.3.2.4), data block 3 min
 * (§4.5.3.2.5), DATA termination 10 min (§4.5.3.2.6). `connect` and `command` (EHLO, HELO,
 * STARTTLS, RSET, QUIT, and the TLS handshake) are Loft's own.
 */
export interface Timeouts {
  readonly connect: number;
  readonly initial: number;
  readonly command: number;
  readonly mail: number;
  readonly rcpt: number;
  readonly dataInit: number;
  readonly dataBlock: number;
  readonly dataEnd: number;
}

const MINUTE = 60_000;

/** RFC 5321 §4.5.3.2's values, and 30 s to connect, 5 min for other commands. */
export const DEFAULT_TIMEOUTS: Timeouts = {
  connect: 30_000,
  initial: 5 * MINUTE,
  command: 5 * MINUTE,
  mail: 5 * MINUTE,
  rcpt: 5 * MINUTE,
  dataInit: 2 * MINUTE,
  dataBlock: 3 * MINUTE,
  dataEnd: 10 * MINUTE,
};

/** The name of a timeout. */
export type TimeoutName = keyof Timeouts;

/** Where in the session an outcome was decided. */
export type Stage =
  | 'connect'
  | 'greeting'
  | 'ehlo'
  | 'starttls'
  | 'check'
  | 'mail'
  | 'rcpt'
  | 'data'
  | 'content'
  | 'rset'
  | 'quit';

/** What happened to one recipient: delivered (2xx), temporary (4xx, network) or permanent (5xx). */
export type Status = 'delivered' | 'temporary' | 'permanent';

/** The outcome for one recipient. */
export interface RecipientOutcome {
  readonly recipient: Mailbox;
  readonly status: Status;
  /** The server's reply code, or null when none applies (a network error, a check before sending). */
  readonly code: number | null;
  /** The RFC 3463 enhanced code: the server's, or Loft's own when it decided. */
  readonly enhanced: string | null;
  /** The server's reply text (lines joined by a space), or Loft's explanation. */
  readonly text: string;
  readonly stage: Stage;
}
