/**
 * FETCH BINARY[section]<partial> and BINARY.SIZE[section] (RFC 3516 §4.2, RFC 9051 §6.4.5 and
 * §7.5.2): a part's content with its Content-Transfer-Encoding removed.
 *
 * - A leaf part in base64 or quoted-printable is decoded (RFC 2045 §6.7, §6.8, tolerantly as
 *   `src/mime/transfer.ts` does); 7bit, 8bit, binary and a missing header are the identity.
 * - Any other encoding on a leaf is unknown: the session fails the command with a tagged
 *   `NO [UNKNOWN-CTE]` (RFC 9051 §7.5.2).
 * - The whole message (`BINARY[]`), a multipart and a parsed message/rfc822 part are sent as
 *   stored: they carry no transfer encoding of their own (RFC 2045 §6.4 allows none but the
 *   identity on composite types).
 * - Text parts (text/*) are sent with CRLF line ends whatever the stored form (RFC 9051 §7.5.2:
 *   "servers MUST ensure that textual line-oriented sections are always transmitted using the
 *   IMAP CRLF line termination"); BINARY.SIZE counts those bytes, so it always equals the length
 *   of the BINARY data.
 * - A partial request applies to the decoded data.
 */

import { type ByteRange, findPart } from '../../../mime/section.ts';
import { decodeBase64, decodeQuotedPrintable } from '../../../mime/transfer.ts';
import type { MimeMessage } from '../../../mime/types.ts';
import { applyPartial, type FetchPartial } from './sections.ts';

/** How the bytes of a binary section are decoded. */
export type BinaryDecoding = 'identity' | 'base64' | 'quoted-printable';

/**
 * What to read and how to decode it for BINARY[part]:
 * - `ok`: decode the bytes of `range` with {@link decodeBinary};
 * - `missing`: the message has no such part (the session answers NIL);
 * - `unknown-cte`: the part's transfer encoding (`encoding`, lower-case) is not one Loft can
 *   decode; the session answers a tagged `NO [UNKNOWN-CTE]` (RFC 3516 §4.3, RFC 9051 §7.5.2).
 */
export type BinaryPlan =
  | {
      readonly kind: 'ok';
      readonly range: ByteRange;
      readonly decoding: BinaryDecoding;
      readonly text: boolean;
    }
  | { readonly kind: 'missing' }
  | { readonly kind: 'unknown-cte'; readonly encoding: string };

/** The result of {@link binaryBytes}: the data, or why there is none (see {@link BinaryPlan}). */
export type BinaryResult =
  | { readonly kind: 'ok'; readonly data: Buffer }
  | { readonly kind: 'missing' }
  | { readonly kind: 'unknown-cte'; readonly encoding: string };

/** The result of {@link binarySize}: the decoded size, or why there is none (see {@link BinaryPlan}). */
export type BinarySizeResult =
  | { readonly kind: 'ok'; readonly size: number }
  | { readonly kind: 'missing' }
  | { readonly kind: 'unknown-cte'; readonly encoding: string };

/** The response code of an unknown transfer encoding (RFC 3516 §4.3, RFC 9051 §7.1). */
export const UNKNOWN_CTE = 'UNKNOWN-CTE';

const IDENTITY = new Set(['7bit', '8bit', 'binary']);

/**
 * Plans BINARY[part] (RFC 9051 §9 `section-binary = "[" [section-part] "]"`) over the message
 * indexed as `msg`: `[]` is the whole message, otherwise the part as numbered for BODY[part].
 * Never throws.
 */
export function planBinary(msg: MimeMessage, part: readonly number[]): BinaryPlan {
  if (!part.every((n) => Number.isSafeInteger(n) && n > 0)) return { kind: 'missing' };
  if (part.length === 0) {
    const root = msg.root;
    return {
      kind: 'ok',
      range: { start: root.headerStart, end: root.bodyEnd },
      decoding: 'identity',
      text: false,
    };
  }
  const found = findPart(msg, part);
  if (found === undefined) return { kind: 'missing' };
  const range = { start: found.bodyStart, end: found.bodyEnd };
  if (found.children !== undefined || found.message !== undefined) {
    return { kind: 'ok', range, decoding: 'identity', text: false };
  }
  const text = found.type === 'text';
  const encoding = found.encoding ?? '7bit';
  if (IDENTITY.has(encoding)) return { kind: 'ok', range, decoding: 'identity', text };
  if (encoding === 'base64' || encoding === 'quoted-printable') {
    return { kind: 'ok', range, decoding: encoding, text };
  }
  return { kind: 'unknown-cte', encoding };
}

/**
 * Decodes the bytes of a planned binary section: removes the transfer encoding, then for text
 * parts turns every bare LF into CRLF. Never throws.
 */
export function decodeBinary(
  bytes: Buffer,
  plan: { readonly decoding: BinaryDecoding; readonly text: boolean },
): Buffer {
  let data = bytes;
  if (plan.decoding === 'base64') data = decodeBase64(bytes);
  else if (plan.decoding === 'quoted-printable') data = decodeQuotedPrintable(bytes);
  return plan.text ? crlfLines(data) : data;
}

/**
 * The data of FETCH BINARY[part]<partial> for a message held in memory (`raw` the stored bytes,
 * `msg` their index). Never throws.
 */
export function binaryBytes(
  raw: Buffer,
  msg: MimeMessage,
  part: readonly number[],
  partial?: FetchPartial,
): BinaryResult {
  const plan = planBinary(msg, part);
  if (plan.kind !== 'ok') return plan;
  const start = Math.min(Math.max(0, plan.range.start), raw.length);
  const end = Math.min(Math.max(start, plan.range.end), raw.length);
  return { kind: 'ok', data: applyPartial(decodeBinary(raw.subarray(start, end), plan), partial) };
}

/**
 * FETCH BINARY.SIZE[part] for a message held in memory: the length of the data BINARY[part]
 * returns without a partial (RFC 9051 §7.5.2: "MUST match"). Never throws.
 */
export function binarySize(raw: Buffer, msg: MimeMessage, part: readonly number[]): BinarySizeResult {
  const result = binaryBytes(raw, msg, part);
  return result.kind === 'ok' ? { kind: 'ok', size: result.data.length } : result;
}

/**
 * True when `data` holds a NUL octet: it can then only be sent as a literal8 (RFC 9051 §4.3,
 * RFC 3516 §4.3); the server SHOULD use a string otherwise.
 */
export function containsNul(data: Uint8Array): boolean {
  return data.indexOf(0) !== -1;
}

/** `data` with each LF not preceded by CR turned into CRLF (the data itself when there is none). */
function crlfLines(data: Buffer): Buffer {
  let bare = 0;
  for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, i + 1)) {
    if (i === 0 || data[i - 1] !== 0x0d) bare++;
  }
  if (bare === 0) return data;
  const out = Buffer.allocUnsafe(data.length + bare);
  let o = 0;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b === 0x0a && (i === 0 || data[i - 1] !== 0x0d)) out[o++] = 0x0d;
    out[o++] = b;
  }
  return out;
}
