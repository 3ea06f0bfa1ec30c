/**
 * The LOGIN mechanism, server side (draft-murchison-sasl-login-00): the server prompts
 * `Username:` then `Password:`, the client answers each with the bare value. Obsolete but still
 * what many clients use; it sends the password in the clear, so offer it only over TLS or
 * loopback.
 */

import { decodeUtf8Strict } from './encoding.ts';
import type { SaslCredentials, SaslServer, SaslStep } from './mechanism.ts';

// draft-murchison-sasl-login §2: the two challenges, sent as-is (clients ignore their text).
const USERNAME_PROMPT = Buffer.from('Username:', 'ascii');
const PASSWORD_PROMPT = Buffer.from('Password:', 'ascii');

/**
 * Decodes one LOGIN answer: non-empty well-formed UTF-8 without NUL.
 *
 * @returns the value, or `undefined` when it is empty, ill-formed or contains NUL.
 */
export function loginValue(bytes: Uint8Array): string | undefined {
  const text = decodeUtf8Strict(bytes);
  if (text === undefined || text === '' || text.includes('\0')) return undefined;
  return text;
}

/**
 * A LOGIN exchange. An initial response, when given (as some SMTP clients do), is taken as the
 * user name and the exchange skips to `Password:`. LOGIN carries no authorization identity.
 */
export class LoginServer implements SaslServer {
  readonly mechanism = 'LOGIN';
  readonly #creds: SaslCredentials;
  #state: 'new' | 'username' | 'password' | 'done' = 'new';
  #username = '';

  constructor(creds: SaslCredentials) {
    this.#creds = creds;
  }

  async start(initialResponse: Buffer | undefined): Promise<SaslStep> {
    if (this.#state !== 'new') return this.#fail('malformed');
    if (initialResponse === undefined) {
      this.#state = 'username';
      return { kind: 'challenge', data: USERNAME_PROMPT };
    }
    return this.#takeUsername(initialResponse);
  }

  async step(response: Buffer): Promise<SaslStep> {
    if (this.#state === 'username') return this.#takeUsername(response);
    if (this.#state === 'password') return this.#takePassword(response);
    return this.#fail('malformed');
  }

  #takeUsername(bytes: Buffer): SaslStep {
    const username = loginValue(bytes);
    if (username === undefined) return this.#fail('malformed');
    this.#username = username;
    this.#state = 'password';
    return { kind: 'challenge', data: PASSWORD_PROMPT };
  }

  async #takePassword(bytes: Buffer): Promise<SaslStep> {
    this.#state = 'done';
    const password = loginValue(bytes);
    if (password === undefined) return this.#fail('malformed');
    let ok: boolean;
    try {
      ok = await this.#creds.verifyPassword(this.#username, password);
    } catch (error) {
      return { kind: 'failure', reason: 'unavailable', error };
    }
    return ok ? { kind: 'success', username: this.#username } : this.#fail('credentials');
  }

  #fail(reason: 'malformed' | 'credentials'): SaslStep {
    this.#state = 'done';
    return { kind: 'failure', reason };
  }
}
