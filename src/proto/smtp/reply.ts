/**
 * SMTP replies (RFC 5321 §4.2) with enhanced status codes (RFC 2034, RFC 3463): the typed value
 * and its encoder. The streaming parser for the client side is in `reply-parser.ts`.
 */

/**
 * A reply. `lines` are the text lines without code, enhanced code or separator; an empty array
 * encodes as a single line with no text. `enhanced` is `class.subject.detail` (RFC 3463 §2).
 */
export interface Reply {
  readonly code: number;
  readonly enhanced?: string | undefined;
  readonly lines: readonly string[];
}

/** RFC 5321 §4.2 `Reply-code = %x32-35 %x30-35 %x30-39`. */
export function isReplyCode(code: number): boolean {
  if (!Number.isInteger(code) || code < 200 || code > 599) return false;
  return Math.floor(code / 10) % 10 <= 5;
}

/** RFC 3463 §2 `status-code = class "." subject "." detail`, `class = "2" / "4" / "5"`, `subject = 1*3digit`, `detail = 1*3digit`. */
const ENHANCED = /^([245])\.[0-9]{1,3}\.[0-9]{1,3}$/;

/** True when `enhanced` is a valid enhanced status code whose class matches `code` (RFC 3463 §2). */
export function isEnhancedCodeFor(code: number, enhanced: string): boolean {
  const m = ENHANCED.exec(enhanced);
  return m !== null && Number(m[1]) === Math.floor(code / 100);
}

/**
 * Encodes a reply: every line but the last as `code-text`, the last as `code SP text`
 * (RFC 5321 §4.2.1), each line prefixed with the enhanced code when there is one (RFC 2034 §4),
 * each ending in CRLF. Text is written as UTF-8.
 *
 * Throws RangeError for a programming error: a code outside RFC 5321's grammar, an enhanced code
 * that is malformed or of another class, or a line containing CR, LF or NUL (which would let text
 * inject a reply line).
 */
export function encodeReply(reply: Reply): Buffer {
  if (!isReplyCode(reply.code)) throw new RangeError(`invalid SMTP reply code ${reply.code}`);
  if (reply.enhanced !== undefined && !isEnhancedCodeFor(reply.code, reply.enhanced)) {
    throw new RangeError(`invalid enhanced status code ${reply.enhanced} for ${reply.code}`);
  }
  const lines = reply.lines.length === 0 ? [''] : reply.lines;
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/[\r\n\0]/.test(line)) throw new RangeError('SMTP reply text contains CR, LF or NUL');
    const last = i === lines.length - 1;
    const parts = [reply.enhanced, line].filter((p): p is string => p !== undefined && p !== '').join(' ');
    // RFC 4954 §8: `continue-req = "334" SP [base64] CRLF`, the space kept before an empty challenge.
    if (last) out += parts === '' && reply.code !== 334 ? `${reply.code}\r\n` : `${reply.code} ${parts}\r\n`;
    else out += `${reply.code}-${parts}\r\n`;
  }
  return Buffer.from(out, 'utf8');
}
