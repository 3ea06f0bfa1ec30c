/**
 * The PLAIN mechanism, server side (RFC 4616). Sends the password in the clear: offer it only
 * over TLS or loopback.
 */

import { decodeUtf8Strict } from './encoding.ts';
import type { SaslCredentials, SaslServer, SaslStep } from './mechanism.ts';

const EMPTY = Buffer.alloc(0);

/** The fields of a PLAIN message; `authzid` is `''` when the client left it out. */
export interface PlainMessage {
  readonly authzid: string;
  readonly authcid: string;
  readonly passwd: string;
}

/**
 * Parses RFC 4616 §2 `message = [authzid] UTF8NUL authcid UTF8NUL passwd`, where `authcid`
 * and `passwd` are `1*SAFE` (any UTF-8 but NUL) and `authzid` may be empty.
 *
 * @returns the fields, or `undefined` for ill-formed UTF-8, a NUL count other than two, or an
 * empty authcid or password.
 */
export function message(bytes: Uint8Array): PlainMessage | undefined {
  const text = decodeUtf8Strict(bytes);
  if (text === undefined) return undefined;
  const fields = text.split('\0');
  if (fields.length !== 3) return undefined;
  const [authzid, authcid, passwd] = fields as [string, string, string];
  if (authcid === '' || passwd === '') return undefined;
  return { authzid, authcid, passwd };
}

/** A PLAIN exchange: at most one empty challenge, then one message. */
export class PlainServer implements SaslServer {
  readonly mechanism = 'PLAIN';
  readonly #creds: SaslCredentials;
  #state: 'new' | 'awaiting' | 'done' = 'new';

  constructor(creds: SaslCredentials) {
    this.#creds = creds;
  }

  async start(initialResponse: Buffer | undefined): Promise<SaslStep> {
    if (this.#state !== 'new') return this.#end();
    // RFC 4616 §2: without an initial response the server sends an empty challenge.
    if (initialResponse === undefined) {
      this.#state = 'awaiting';
      return { kind: 'challenge', data: EMPTY };
    }
    return this.#check(initialResponse);
  }

  async step(response: Buffer): Promise<SaslStep> {
    if (this.#state !== 'awaiting') return this.#end();
    return this.#check(response);
  }

  async #check(bytes: Buffer): Promise<SaslStep> {
    this.#state = 'done';
    const msg = message(bytes);
    if (msg === undefined) return { kind: 'failure', reason: 'malformed' };
    // RFC 4616 §2: an authzid equal to the authcid is the same as none; any other would be
    // proxy authorization, which Loft does not grant. Checked before the password, so a
    // refused authzid costs no hash and reveals nothing about the password.
    if (msg.authzid !== '' && msg.authzid !== msg.authcid) return { kind: 'failure', reason: 'authzid' };
    let ok: boolean;
    try {
      ok = await this.#creds.verifyPassword(msg.authcid, msg.passwd);
    } catch (error) {
      return { kind: 'failure', reason: 'unavailable', error };
    }
    return ok ? { kind: 'success', username: msg.authcid } : { kind: 'failure', reason: 'credentials' };
  }

  #end(): SaslStep {
    this.#state = 'done';
    return { kind: 'failure', reason: 'malformed' };
  }
}
