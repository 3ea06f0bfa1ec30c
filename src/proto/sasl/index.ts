/**
 * Loft's SASL mechanisms: the entry point for the protocol sessions.
 *
 * Usage, per AUTH / AUTHENTICATE command: check the name is advertised for this connection
 * ({@link advertisedMechanisms}), `createSaslServer(name, creds)`, decode the client's base64
 * with {@link decodeBase64Strict}, then `start` / `step` until a `success` or `failure` step.
 */

import { LoginServer } from './login.ts';
import type { SaslCredentials, SaslOptions, SaslServer } from './mechanism.ts';
import { PlainServer } from './plain.ts';
import { ScramSha256Server } from './scram-sha-256.ts';

export { decodeBase64Strict, decodeUtf8Strict } from './encoding.ts';
export type {
  SaslCredentials,
  SaslFailureReason,
  SaslOptions,
  SaslServer,
  SaslStep,
  ScramCredentials,
} from './mechanism.ts';

/** A mechanism Loft implements, and whether it sends the password in the clear. */
export interface SaslMechanismInfo {
  /** Registered name (RFC 4422 §3.1), upper case. */
  readonly name: string;
  /** True when the password crosses the wire: offer only over TLS or on loopback. */
  readonly plaintext: boolean;
}

/** Every mechanism Loft implements, strongest first (the order to advertise them in). */
export const SASL_MECHANISMS: readonly SaslMechanismInfo[] = Object.freeze([
  Object.freeze({ name: 'SCRAM-SHA-256', plaintext: false }),
  Object.freeze({ name: 'PLAIN', plaintext: true }),
  Object.freeze({ name: 'LOGIN', plaintext: true }),
]);

/**
 * The mechanism names to advertise on a connection: all of them when `secure` (TLS or
 * loopback), otherwise only those that do not send the password in the clear.
 */
export function advertisedMechanisms(secure: boolean): readonly string[] {
  return SASL_MECHANISMS.filter((m) => secure || !m.plaintext).map((m) => m.name);
}

/** The entry for `name` (case-insensitive, as SMTP, POP3 and IMAP all compare it), if any. */
export function findMechanism(name: string): SaslMechanismInfo | undefined {
  const upper = name.toUpperCase();
  return SASL_MECHANISMS.find((m) => m.name === upper);
}

/**
 * Creates the server side of one exchange of `mechanism` (matched case-insensitively).
 * It does not check whether the mechanism may be used on this connection: the session decides
 * that with {@link SaslMechanismInfo.plaintext}.
 *
 * @returns the exchange, or `undefined` for a mechanism Loft does not implement.
 */
export function createSaslServer(
  mechanism: string,
  creds: SaslCredentials,
  options: SaslOptions = {},
): SaslServer | undefined {
  switch (findMechanism(mechanism)?.name) {
    case 'SCRAM-SHA-256':
      return new ScramSha256Server(creds, options);
    case 'PLAIN':
      return new PlainServer(creds);
    case 'LOGIN':
      return new LoginServer(creds);
    default:
      return undefined;
  }
}
