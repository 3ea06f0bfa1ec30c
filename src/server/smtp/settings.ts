/**
 * The settings one SMTP listener runs with, derived from the configuration once at start.
 */
import type { SecureContext } from 'node:tls';
import type { SaslOptions } from '../../proto/sasl/index.ts';

export type SmtpMode = 'mx' | 'submission';

export interface SmtpSettings {
  /** Our hostname, in the greeting, EHLO reply and Received headers. */
  hostname: string;
  /** `mx` (port 25: mail for local domains, no AUTH) or `submission` (587/465: AUTH required). */
  mode: SmtpMode;
  tls: SecureContext;
  maxMessageSize: number;
  maxRecipients: number;
  maxCommandLine: number;
  maxTextLine: number;
  bareLineEnds: 'normalize' | 'reject';
  commandTimeoutMs: number;
  dataTimeoutMs: number;
  maxErrors: number;
  plaintextAuth: 'tls' | 'tls-or-loopback' | 'always';
  authFailureDelayMs: number;
  /** SASL settings shared by every process (the server secret for SCRAM's fake salts). */
  sasl: SaslOptions;
  /** Longest AUTH response line (RFC 4954 §4: 12288 octets). */
  maxAuthLine: number;
}
