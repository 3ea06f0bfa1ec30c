/**
 * The settings one POP3 listener runs with, derived from the configuration once at start.
 */
import type { SecureContext } from 'node:tls';
import type { SaslOptions } from '../../proto/sasl/index.ts';

export interface Pop3Settings {
  /** Our hostname, in the greeting. */
  hostname: string;
  /** For STLS (RFC 2595 §4). */
  tls: SecureContext;
  /** Inactivity before the session is closed without UPDATE (RFC 1939 §3: at least 10 minutes). */
  idleTimeoutMs: number;
  /** Longest command line, CRLF included (RFC 2449 §4: 255 octets). */
  maxCommandLine: number;
  /** Longest AUTH command or SASL response line (RFC 5034 §4 exchanges may exceed 255 octets). */
  maxAuthLine: number;
  /** When USER/PASS, PLAIN and LOGIN may be used: only over TLS, or also from loopback, or always. */
  plaintextAuth: 'tls' | 'tls-or-loopback' | 'always';
  /** Delay before answering a failed login. */
  authFailureDelayMs: number;
  /** Whether RETR sets \Seen on the message (Dovecot does). */
  retrSetsSeen: boolean;
  /** SASL settings shared by every process (the server secret for SCRAM's fake salts). */
  sasl: SaslOptions;
  /** Lease of the maildrop lock; renewed every third of it while the session lives. */
  lockLeaseMs: number;
}
