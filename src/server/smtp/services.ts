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
}

export interface SmtpServices {
  /** True when the domain is one Loft receives mail for. */
  isLocalDomain(domain: string): Promise<boolean>;
  /** Where mail for a local address goes; undefined for an unknown user. */
  resolve(address: string): Promise<RecipientResolution | undefined>;
  /** The id of the account with this login, if any. */
  accountId(address: string): Promise<number | undefined>;
  /** Checks credentials for SASL. */
  credentials: SaslCredentials;
  /** The one delivery point; resolves only once the message is durable. */
  deliver(message: InboundMessage, id: string): Promise<DeliveryReceipt>;
  /** Failed authentications per client IP. */
  authFailures: FailureLimiter;
  /** Any local domain, for `<Postmaster>` without a domain (RFC 5321 §4.1.1.3). */
  primaryDomain(): Promise<string | undefined>;
}

export type { AcceptedRecipient };
