/**
 * The settings one IMAP listener runs with, derived from the configuration once at start.
 */
import type { SecureContext } from 'node:tls';
import type { SaslOptions } from '../../proto/sasl/index.ts';

export interface ImapSettings {
  hostname: string;
  tls: SecureContext;
  plaintextAuth: 'tls' | 'tls-or-loopback' | 'always';
  authFailureDelayMs: number;
  sasl: SaslOptions;
  /** RFC 9051 §5.4: an idle client is logged out after at least 30 minutes. */
  idleTimeoutMs: number;
  /** Longest command line without literals (RFC 9051 §4: at least 8192 recommended). */
  maxLineLength: number;
  /** Largest message APPEND accepts (APPENDLIMIT, RFC 7889). */
  appendLimit: number;
}
