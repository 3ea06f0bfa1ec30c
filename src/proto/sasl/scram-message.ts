/**
 * Parsers for the client messages of SCRAM (RFC 5802 §7 grammar), server side, without channel
 * binding. They take the decoded text of one message and return a typed value or an error.
 */

import { decodeBase64Strict } from './encoding.ts';

/** Why a client message was refused; for the log, never for the client. */
export type ScramSyntaxError =
  | 'syntax'
  /** `p=`: the client wants channel binding, which we do not offer (no -PLUS mechanism). */
  | 'channel-binding-unsupported'
  /** `m=`: a mandatory extension we do not know (RFC 5802 §5.1: MUST fail). */
  | 'mandatory-extension';

/** A parser's outcome. */
export type ScramParse<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ScramSyntaxError };

/** RFC 5802 §7 `client-first-message`, decoded. */
export interface ClientFirstMessage {
  /** `gs2-header` verbatim, e.g. `n,,`; the client must echo it in `c=`. */
  readonly gs2Header: string;
  /** The gs2-cbind-flag: `n` (client cannot bind) or `y` (client could, thinks we cannot). */
  readonly cbindFlag: 'n' | 'y';
  /** The decoded authzid, or undefined when absent. */
  readonly authzid: string | undefined;
  /** The decoded username (`=2C`/`=3D` unescaped). */
  readonly username: string;
  /** The client nonce. */
  readonly nonce: string;
  /** `client-first-message-bare` verbatim, the first part of AuthMessage. */
  readonly bare: string;
}

/** RFC 5802 §7 `client-final-message`, decoded. */
export interface ClientFinalMessage {
  /** The decoded `c=` value: the gs2 header (plus binding data, which we never accept). */
  readonly channelBinding: Buffer;
  /** The full nonce echoed by the client. */
  readonly nonce: string;
  /** The decoded ClientProof. */
  readonly proof: Buffer;
  /** `client-final-message-without-proof` verbatim, the last part of AuthMessage. */
  readonly withoutProof: string;
}

const fail = (error: ScramSyntaxError): { ok: false; error: ScramSyntaxError } => ({ ok: false, error });

// RFC 5802 §7 `printable = %x21-2B / %x2D-7E` (ASCII printable except ","), one or more.
const PRINTABLE = /^[\x21-\x2b\x2d-\x7e]+$/;
// RFC 5802 §7 `value = 1*value-char`: any UTF-8 except NUL and "," (the caller split on ",").
const VALUE = /^[^\0,]+$/;
// RFC 5802 §7 `attr-val = ALPHA "=" value`.
const ATTR_VAL = /^[A-Za-z]=[^\0,]+$/;

/**
 * RFC 5802 §7 `saslname = 1*(value-safe-char / "=2C" / "=3D")`: decodes the escapes
 * (RFC 5802 §5.1: any other "=" MUST fail the exchange).
 *
 * @returns the decoded name, or undefined when empty or badly escaped.
 */
export function saslname(text: string): string | undefined {
  if (text === '' || !VALUE.test(text)) return undefined;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '=') {
      out += c;
      continue;
    }
    const code = text.slice(i + 1, i + 3);
    if (code === '2C') out += ',';
    else if (code === '3D') out += '=';
    else return undefined;
    i += 2;
  }
  return out;
}

/** RFC 5802 §7 `printable` (as `1*printable`, per the nonce's intent): a valid nonce. */
export function isPrintable(text: string): boolean {
  return PRINTABLE.test(text);
}

/** RFC 5802 §7 `extensions = attr-val *("," attr-val)`: all syntactically valid. */
function extensions(attrs: readonly string[]): boolean {
  return attrs.every((a) => ATTR_VAL.test(a));
}

/** Splits `name=value` when the attribute has the expected one-letter name. */
function attr(text: string | undefined, name: string): string | undefined {
  if (text === undefined || !text.startsWith(`${name}=`)) return undefined;
  return text.slice(2);
}

/**
 * RFC 5802 §7 `client-first-message = gs2-header client-first-message-bare` with
 * `gs2-header = gs2-cbind-flag "," [ authzid ] ","` and
 * `client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]`.
 * Unknown optional extensions are ignored once checked for syntax.
 */
export function clientFirstMessage(text: string): ScramParse<ClientFirstMessage> {
  if (text.includes('\0')) return fail('syntax');
  // gs2-cbind-flag: "p=" cb-name / "n" / "y".
  if (text.startsWith('p=')) return fail('channel-binding-unsupported');
  const flag = text[0];
  if ((flag !== 'n' && flag !== 'y') || text[1] !== ',') return fail('syntax');
  const authzEnd = text.indexOf(',', 2);
  if (authzEnd < 0) return fail('syntax');
  let authzid: string | undefined;
  if (authzEnd > 2) {
    const raw = attr(text.slice(2, authzEnd), 'a');
    authzid = raw === undefined ? undefined : saslname(raw);
    if (authzid === undefined) return fail('syntax');
  }
  const gs2Header = text.slice(0, authzEnd + 1);
  const bare = text.slice(authzEnd + 1);
  const attrs = bare.split(',');
  // RFC 5802 §5.1: a reserved "m" attribute MUST make authentication fail.
  if (attrs[0]?.startsWith('m=')) return fail('mandatory-extension');
  const rawUser = attr(attrs[0], 'n');
  const username = rawUser === undefined ? undefined : saslname(rawUser);
  const nonce = attr(attrs[1], 'r');
  if (username === undefined || nonce === undefined || !isPrintable(nonce)) return fail('syntax');
  if (!extensions(attrs.slice(2))) return fail('syntax');
  return { ok: true, value: { gs2Header, cbindFlag: flag, authzid, username, nonce, bare } };
}

/**
 * RFC 5802 §7 `client-final-message = client-final-message-without-proof "," proof` with
 * `client-final-message-without-proof = channel-binding "," nonce ["," extensions]`,
 * `channel-binding = "c=" base64` and `proof = "p=" base64`.
 */
export function clientFinalMessage(text: string): ScramParse<ClientFinalMessage> {
  if (text.includes('\0')) return fail('syntax');
  const attrs = text.split(',');
  if (attrs.length < 3) return fail('syntax');
  const cb = attr(attrs[0], 'c');
  const nonce = attr(attrs[1], 'r');
  const rawProof = attr(attrs[attrs.length - 1], 'p');
  if (cb === undefined || nonce === undefined || rawProof === undefined) return fail('syntax');
  if (!isPrintable(nonce) || !extensions(attrs.slice(2, -1))) return fail('syntax');
  const channelBinding = decodeBase64Strict(cb);
  const proof = decodeBase64Strict(rawProof);
  if (
    channelBinding === undefined ||
    channelBinding.length === 0 ||
    proof === undefined ||
    proof.length === 0
  ) {
    return fail('syntax');
  }
  const withoutProof = text.slice(0, text.length - rawProof.length - 3);
  return { ok: true, value: { channelBinding, nonce, proof, withoutProof } };
}
