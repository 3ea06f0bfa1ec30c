/**
 * The typed form of IMAP response data (RFC 9051 §4, §9 `response` grammar), built by the
 * server's commands and turned into bytes by the encoder (`encode.ts`). Keeping data typed until
 * the last moment lets the encoder choose atom, quoted string or literal correctly.
 */

/** An atom sent as is (flags, keywords of responses, section names): `{ atom: '\\Seen' }`. */
export interface ImapAtom {
  readonly atom: string;
}

/**
 * Octets sent as a `literal8` (`~{n}`, RFC 3516 §4.2, RFC 9051 §9): only the data of a FETCH
 * BINARY response may be one, and only when it holds NUL, which no other string form may carry.
 */
export interface ImapLiteral8 {
  readonly literal8: Buffer;
}

/**
 * One value of response data:
 * - `null`: NIL
 * - `number` / `bigint`: a number (RFC 9051 `number`, `number64`)
 * - `string`: a string (quoted when it can be, a literal otherwise); UTF-8 text
 * - `Buffer`: a string of raw octets (message data): a literal unless short, 7-bit and quotable
 * - {@link ImapAtom}: an atom
 * - {@link ImapLiteral8}: a literal8 (BINARY data holding NUL)
 * - an array: a parenthesised list
 */
export type ImapValue =
  | null
  | number
  | bigint
  | string
  | Buffer
  | ImapAtom
  | ImapLiteral8
  | readonly ImapValue[];

/** Shorthand for an atom. */
export function atom(text: string): ImapAtom {
  return { atom: text };
}

/** True for an atom value. */
export function isAtom(value: ImapValue): value is ImapAtom {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !Buffer.isBuffer(value) &&
    'atom' in value
  );
}

/** True for a literal8 value. */
export function isLiteral8(value: ImapValue): value is ImapLiteral8 {
  return typeof value === 'object' && value !== null && 'literal8' in value && !Array.isArray(value);
}
