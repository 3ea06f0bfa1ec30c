/**
 * The SCRAM-SHA-256 mechanism, server side (RFC 5802, RFC 7677), without channel binding:
 * the client sends `n,,` or `y,,` (we advertise no -PLUS variant, so `p=` is refused).
 *
 * Exchange: client-first → server-first (challenge) → client-final → success with server-final
 * (`v=…`) as additional data. The password never crosses the wire, so SCRAM may be offered
 * without TLS, though TLS is still advised (RFC 5802 §9).
 *
 * Unknown users get a fake exchange: a salt derived from a server secret and the name, the
 * configured iteration count and random keys, so the server-first message looks the same and
 * the exchange fails only at the proof, like a wrong password.
 */

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeUtf8Strict } from './encoding.ts';
import type { SaslCredentials, SaslOptions, SaslServer, SaslStep, ScramCredentials } from './mechanism.ts';
import { hmac, SCRAM_SHA_256_KEY_LENGTH, serverSignature, verifyClientProof } from './scram-crypto.ts';
import {
  type ClientFirstMessage,
  clientFinalMessage,
  clientFirstMessage,
  isPrintable,
} from './scram-message.ts';

const EMPTY = Buffer.alloc(0);
const FAKE_SALT_LENGTH = 16;
/** RFC 7677 §4: the iteration count SHOULD be at least 4096. */
const DEFAULT_ITERATIONS = 4096;
const processSecret = randomBytes(32);

/** The default server nonce: 18 random bytes as base64, 24 printable characters without ",". */
function randomNonce(): string {
  return randomBytes(18).toString('base64');
}

/**
 * The salt shown for an unknown user: HMAC(secret, name), so it is stable for a given name and
 * cannot be told apart from a real random salt without the secret.
 */
export function fakeSalt(secret: Buffer, username: string): Buffer {
  return hmac(secret, `loft scram fake salt\0${username}`).subarray(0, FAKE_SALT_LENGTH);
}

/** Credentials a store returned are usable only if well formed; anything else is a store fault. */
function checkCredentials(c: ScramCredentials): string | undefined {
  if (!Number.isSafeInteger(c.iterations) || c.iterations < 1) return 'bad iteration count';
  if (c.salt.length === 0) return 'empty salt';
  if (c.storedKey.length !== SCRAM_SHA_256_KEY_LENGTH || c.serverKey.length !== SCRAM_SHA_256_KEY_LENGTH) {
    return 'bad key length';
  }
  return undefined;
}

/** A SCRAM-SHA-256 exchange; see the module comment. */
export class ScramSha256Server implements SaslServer {
  readonly mechanism = 'SCRAM-SHA-256';
  readonly #creds: SaslCredentials;
  readonly #nonce: () => string;
  readonly #secret: Buffer;
  readonly #fakeIterations: number;
  #state: 'new' | 'first' | 'final' | 'done' = 'new';
  // Set by the client-first step, read by the client-final step.
  #first: ClientFirstMessage | undefined;
  #serverFirst = '';
  #fullNonce = '';
  #keys: ScramCredentials | undefined;
  #known = false;

  constructor(creds: SaslCredentials, options: SaslOptions = {}) {
    this.#creds = creds;
    this.#nonce = options.nonce ?? randomNonce;
    this.#secret = options.secret ?? processSecret;
    this.#fakeIterations = options.fakeIterations ?? DEFAULT_ITERATIONS;
  }

  async start(initialResponse: Buffer | undefined): Promise<SaslStep> {
    if (this.#state !== 'new') return this.#fail('malformed', 'start called twice');
    this.#state = 'first';
    // RFC 5802 §5: the client speaks first; without an initial response, invite it with an
    // empty challenge (RFC 4422 §3.3).
    if (initialResponse === undefined) return { kind: 'challenge', data: EMPTY };
    return this.#clientFirst(initialResponse);
  }

  async step(response: Buffer): Promise<SaslStep> {
    if (this.#state === 'first') return this.#clientFirst(response);
    if (this.#state === 'final') return this.#clientFinal(response);
    return this.#fail('malformed', 'step after the end of the exchange');
  }

  async #clientFirst(bytes: Buffer): Promise<SaslStep> {
    const text = decodeUtf8Strict(bytes);
    if (text === undefined) return this.#fail('malformed', 'client-first is not UTF-8');
    const parsed = clientFirstMessage(text);
    if (!parsed.ok) return this.#fail('malformed', `client-first: ${parsed.error}`);
    const first = parsed.value;
    // RFC 5802 §5.1: an authzid other than the user's own would be proxy authorization.
    if (first.authzid !== undefined && first.authzid !== first.username) return this.#fail('authzid');

    let stored: ScramCredentials | undefined;
    try {
      stored = await this.#creds.scramCredentials(first.username);
    } catch (error) {
      return this.#fail('unavailable', error);
    }
    if (stored !== undefined) {
      const problem = checkCredentials(stored);
      if (problem !== undefined)
        return this.#fail('unavailable', new Error(`stored SCRAM credentials: ${problem}`));
    }
    this.#known = stored !== undefined;
    this.#keys = stored ?? {
      salt: fakeSalt(this.#secret, first.username),
      iterations: this.#fakeIterations,
      storedKey: randomBytes(SCRAM_SHA_256_KEY_LENGTH),
      serverKey: randomBytes(SCRAM_SHA_256_KEY_LENGTH),
    };

    let serverNonce: string;
    try {
      serverNonce = this.#nonce();
    } catch (error) {
      return this.#fail('unavailable', error);
    }
    if (!isPrintable(serverNonce))
      return this.#fail('unavailable', new Error('nonce generator gave a bad nonce'));

    // RFC 5802 §7: server-first-message = nonce "," salt "," iteration-count, where the nonce
    // starts with the client's own (RFC 5802 §5.1).
    this.#first = first;
    this.#fullNonce = first.nonce + serverNonce;
    this.#serverFirst = `r=${this.#fullNonce},s=${this.#keys.salt.toString('base64')},i=${this.#keys.iterations}`;
    this.#state = 'final';
    return { kind: 'challenge', data: Buffer.from(this.#serverFirst, 'utf8') };
  }

  async #clientFinal(bytes: Buffer): Promise<SaslStep> {
    const first = this.#first!;
    const keys = this.#keys!;
    const text = decodeUtf8Strict(bytes);
    if (text === undefined) return this.#fail('malformed', 'client-final is not UTF-8');
    const parsed = clientFinalMessage(text);
    if (!parsed.ok) return this.#fail('malformed', `client-final: ${parsed.error}`);
    const final = parsed.value;
    // RFC 5802 §7: ClientProof is the size of H's output.
    if (final.proof.length !== SCRAM_SHA_256_KEY_LENGTH) return this.#fail('malformed', 'proof length');

    // RFC 5802 §5.1: c= is the base64 of the gs2 header (no binding data without "p=").
    const header = Buffer.from(first.gs2Header, 'utf8');
    const cbOk =
      final.channelBinding.length === header.length && timingSafeEqual(final.channelBinding, header);
    // RFC 5802 §5.1: the nonce must be exactly the one from server-first.
    const nonceOk = final.nonce === this.#fullNonce;

    // RFC 5802 §3: AuthMessage = client-first-message-bare "," server-first-message ","
    // client-final-message-without-proof. The proof is checked even after a failed c=/r=
    // test, so that every failure costs the same.
    const authMessage = `${first.bare},${this.#serverFirst},${final.withoutProof}`;
    const proofOk = verifyClientProof(keys.storedKey, authMessage, final.proof);
    if (!cbOk) return this.#fail('credentials', new Error('channel binding echo does not match gs2 header'));
    if (!nonceOk) return this.#fail('credentials', new Error('nonce does not match server-first'));
    if (!proofOk || !this.#known) return this.#fail('credentials');

    this.#state = 'done';
    const verifier = serverSignature(keys.serverKey, authMessage);
    // RFC 5802 §7: server-final-message = verifier; sent as additional data with success.
    return {
      kind: 'success',
      username: first.username,
      data: Buffer.from(`v=${verifier.toString('base64')}`),
    };
  }

  #fail(reason: 'malformed' | 'credentials' | 'authzid' | 'unavailable', detail?: unknown): SaslStep {
    this.#state = 'done';
    this.#keys = undefined;
    const error = typeof detail === 'string' ? new Error(`SCRAM-SHA-256: ${detail}`) : detail;
    return error === undefined ? { kind: 'failure', reason } : { kind: 'failure', reason, error };
  }
}
