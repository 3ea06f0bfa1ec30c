/**
 * The SASL server interface shared by SMTP AUTH (RFC 4954), POP3 AUTH (RFC 5034) and IMAP
 * AUTHENTICATE (RFC 9051 §6.2.2).
 *
 * A mechanism works on decoded bytes: the protocol session owns the base64 framing, the
 * cancel line `*`, line-length limits, the "plaintext needs TLS" policy and the mapping of a
 * {@link SaslStep} to its replies. Mechanisms do no I/O of their own; they reach the account
 * store only through the injected {@link SaslCredentials}.
 */

/**
 * Why an exchange failed. Sessions map these to replies (SMTP: 501 / 535 / 454 …).
 * - `malformed`: the client's message breaks the mechanism's syntax (wrong field count, invalid
 *   UTF-8, bad attribute, a channel-binding request we do not offer, a step after the end).
 * - `credentials`: unknown user or wrong password, deliberately indistinguishable.
 * - `authzid`: the client asked to act as another identity; Loft has no proxy authorization.
 * - `unavailable`: the credential store failed; a temporary failure.
 *
 * A failure may carry `error`: the cause or a short detail for the log, never for the client.
 */
export type SaslFailureReason = 'malformed' | 'credentials' | 'authzid' | 'unavailable';

/**
 * One step of a server-side exchange.
 * - `challenge`: send `data` (possibly empty) to the client and pass its answer to
 *   {@link SaslServer.step}.
 * - `success`: the client is authenticated as `username` (exactly as the client sent it; the
 *   directory may canonicalize it). `data`, when present, is RFC 4422 §5 "additional data with
 *   success" (SCRAM's server-final `v=…`). A session whose protocol can carry it with the success
 *   reply does so; otherwise it sends `data` as one more challenge, requires an empty response
 *   (anything else, or `*`, fails the exchange) and only then reports success.
 * - `failure`: the exchange is over; see {@link SaslFailureReason}.
 */
export type SaslStep =
  | { readonly kind: 'challenge'; readonly data: Buffer }
  | { readonly kind: 'success'; readonly username: string; readonly data?: Buffer }
  | { readonly kind: 'failure'; readonly reason: SaslFailureReason; readonly error?: unknown };

/**
 * What SCRAM-SHA-256 stores per account (RFC 5802 §3): the salt and iteration count given to
 * the client, StoredKey = H(ClientKey) and ServerKey = HMAC(SaltedPassword, "Server Key").
 * Both keys are 32 bytes for SHA-256. The password itself cannot be recovered from them.
 */
export interface ScramCredentials {
  readonly salt: Buffer;
  readonly iterations: number;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

/**
 * The account store as the mechanisms see it; the directory service implements it.
 * Both methods may reject (database down): the mechanism turns that into an `unavailable`
 * failure. Implementations should take about as long for an unknown user as for a known one
 * (for example by verifying against a dummy hash), since PLAIN and LOGIN cannot hide it.
 */
export interface SaslCredentials {
  /** True when `password` (raw, not SASLprep'd) is the password of `username`. */
  verifyPassword(username: string, password: string): Promise<boolean>;
  /** The SCRAM-SHA-256 keys of `username`, or undefined when the user is unknown or has none. */
  scramCredentials(username: string): Promise<ScramCredentials | undefined>;
}

/**
 * One authentication exchange (create one per AUTH command). Neither method throws: every
 * problem comes back as a `failure` step. After a `success` or `failure`, further calls return
 * a `malformed` failure.
 */
export interface SaslServer {
  /** The registered mechanism name, upper case (e.g. `PLAIN`). */
  readonly mechanism: string;
  /**
   * Begins the exchange. `initialResponse` is the decoded initial response (RFC 4422 §3.3),
   * `undefined` when the client sent none; an empty buffer means the client sent an empty one
   * (SMTP `=`, RFC 4954 §4), which is not the same thing.
   */
  start(initialResponse: Buffer | undefined): Promise<SaslStep>;
  /** Feeds the client's decoded answer to the last challenge. */
  step(response: Buffer): Promise<SaslStep>;
}

/** Settings for mechanisms that need them; all optional, defaults are production values. */
export interface SaslOptions {
  /**
   * Produces the server part of the SCRAM nonce: printable ASCII except `,` (RFC 5802 §7
   * `printable`). Default: 18 random bytes in base64. Inject a fixed value only in tests.
   */
  readonly nonce?: () => string;
  /**
   * Secret from which SCRAM derives a stable fake salt for unknown users, so that the salt
   * offered for a name never changes and does not reveal whether the account exists. Share it
   * across processes and restarts (configuration); default: random per process.
   */
  readonly secret?: Buffer;
  /**
   * Iteration count announced for unknown users; set it to the count used for real accounts.
   * Default 4096 (RFC 7677 §4 minimum).
   */
  readonly fakeIterations?: number;
}
