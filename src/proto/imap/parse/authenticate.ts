/**
 * AUTHENTICATE (RFC 9051 §6.2.2) with SASL-IR (RFC 4959 §3), and the client's responses to the
 * server's challenges (continuation lines, read with the framer in `line` mode).
 */

import { decodeBase64Strict } from '../../sasl/encoding.ts';
import type { Cursor } from './cursor.ts';

/** `AUTHENTICATE mechanism [initial-response]`. */
export interface AuthenticateCommand {
  readonly name: 'AUTHENTICATE';
  /** The SASL mechanism name, upper case. */
  readonly mechanism: string;
  /** The decoded initial response (RFC 4959): `=` is an empty buffer; null when absent. */
  readonly initialResponse: Buffer | null;
}

// RFC 4422 §3.1: sasl-mech = 1*20(UPPER-ALPHA / DIGIT / HYPHEN / UNDERSCORE), case-insensitive here
const MECHANISM = /^[A-Za-z0-9_-]{1,20}$/;
const BASE64_CHARS = /[A-Za-z0-9+/=]+/y;

/**
 * RFC 9051 §9 `authenticate = "AUTHENTICATE" SP auth-type [SP initial-resp]`,
 * `initial-resp = (base64 / "=")` (RFC 4959 §7). The initial response must be canonical base64.
 */
export function parseAuthenticate(c: Cursor): AuthenticateCommand {
  c.SP();
  const mechanism = c.atom('a SASL mechanism');
  if (!MECHANISM.test(mechanism)) c.fail('Invalid SASL mechanism name');
  let initialResponse: Buffer | null = null;
  if (c.moreArgs()) {
    c.SP();
    const text = c.match(BASE64_CHARS, 'a base64 initial response');
    if (text === '=') {
      initialResponse = Buffer.alloc(0);
    } else {
      const data = decodeBase64Strict(text);
      if (data === undefined || text === '') c.fail('Invalid base64 in initial response');
      initialResponse = data;
    }
  }
  c.end();
  return { name: 'AUTHENTICATE', mechanism: mechanism.toUpperCase(), initialResponse };
}

/** The client's answer to a challenge: data, a cancellation, or a malformed line. */
export type SaslResponse =
  | { readonly kind: 'data'; readonly data: Buffer }
  | { readonly kind: 'cancel' }
  | { readonly kind: 'invalid' };

/**
 * Reads one AUTHENTICATE continuation line (RFC 9051 §6.2.2): base64 (an empty line is an empty
 * response), or `*` to cancel (the session answers a tagged BAD). Never throws.
 */
export function parseSaslResponse(line: Uint8Array): SaslResponse {
  const text = Buffer.from(line).toString('latin1');
  if (text === '*') return { kind: 'cancel' };
  const data = decodeBase64Strict(text);
  return data === undefined ? { kind: 'invalid' } : { kind: 'data', data };
}
