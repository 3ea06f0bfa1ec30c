/**
 * What the SMTP sessions need from the rest of Loft, defined here where it is consumed; the
 * composition root (src/loft.ts) wires the directory and delivery services to it.
 */
import type { FailureLimiter } from '../../core/rate-limit.ts';
import type { SaslCredentials } from '../../proto/sasl/mechanism.ts';
import type { AcceptedRecipient, DeliveryReceipt, InboundMessage } from '../../services/delivery/delivery.ts';

export interface RecipientResolution {
  accounts: number[];
  remote: string[];
  /** The INBOX of each account, by account id, when known (handed on to the delivery). */
  inboxes?: ReadonlyMap<number, number>;
}

/** Where mail for an address goes: a remote domain, no such local user, or local recipients. */
export type RecipientRoute =
  | { kind: 'remote' }
  | { kind: 'unknown' }
  | { kind: 'local'; resolution: RecipientResolution };

/** What the checks of a message arriving on port 25 decided (SPF, DKIM, DMARC). */
export interface InboundVerdict {
  /** The Authentication-Results field to add (RFC 8601), CRLF-terminated. */
  authResults: string;
  /** Deliver, deliver into Junk (DMARC quarantine), or refuse with 550 5.7.1 (DMARC reject). */
  action: 'accept' | 'junk' | 'reject';
  /** Why, for the refusal text and the log. */
  reason?: string | undefined;
}

/** What the MX transaction knows about a message's origin. */
export interface InboundOrigin {
  content: readonly Buffer[];
  ip: string;
  helo: string;
  /** MAIL FROM, '' for the null reverse-path. */
  sender: string;
}

export interface SmtpServices {
  /** Where mail for an address goes (its domain one of Loft's or not, the user known or not). */
  route(address: string): Promise<RecipientRoute>;
  /** The id of the account with this login, if any. */
  accountId(address: string): Promise<number | undefined>;
  /** Checks credentials for SASL. */
  credentials: SaslCredentials;
  /** The one delivery point; resolves only once the message is durable. */
  deliver(message: InboundMessage, id: string): Promise<DeliveryReceipt>;
  /** Failed authentications per client IP. */
  authFailures: FailureLimiter;
  /**
   * Checks a message received on port 25 before it is delivered (absent when checks are off).
   * DNS failures are temperror results in the verdict, never exceptions.
   */
  checkInbound?(origin: InboundOrigin): Promise<InboundVerdict>;
  /** Any local domain, for `<Postmaster>` without a domain (RFC 5321 §4.1.1.3). */
  primaryDomain(): Promise<string | undefined>;
}

export type { AcceptedRecipient };
