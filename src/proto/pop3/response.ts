/**
 * POP3 responses (RFC 1939 §3): the status line `+OK` / `-ERR` with optional text and response
 * code (RFC 2449 §8, RFC 3206), multi-line responses ended by "." with dot-stuffing, and the SASL
 * continuation line `+ base64` (RFC 5034 §4). Pure encoders: strings in, bytes out.
 */

/**
 * The response codes Loft sends (RFC 2449 §8.1 `[IN-USE]`, `[LOGIN-DELAY]`; RFC 3206 §4–§5
 * `[SYS/TEMP]`, `[SYS/PERM]`, `[AUTH]`).
 */
export type ResponseCode = 'IN-USE' | 'LOGIN-DELAY' | 'SYS/TEMP' | 'SYS/PERM' | 'AUTH';

/** RFC 2449 §4: a response line is at most 512 octets, CRLF included. */
export const MAX_RESPONSE_LINE = 512;

const CRLF = '\r\n';

/**
 * Makes `text` safe for one response line: CR, LF and other control characters become spaces
 * (so a value can never end the line or inject another), and the line is cut to fit
 * {@link MAX_RESPONSE_LINE} octets after a `prefix` of `prefixOctets` octets.
 */
function lineText(text: string, prefixOctets: number): string {
  const clean = text.replace(/[\x00-\x1f\x7f]/g, ' ');
  const room = MAX_RESPONSE_LINE - prefixOctets - 2;
  if (Buffer.byteLength(clean, 'utf8') <= room) return clean;
  // Cut on a character boundary.
  let out = '';
  let used = 0;
  for (const ch of clean) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (used + n > room) break;
    out += ch;
    used += n;
  }
  return out;
}

function statusLine(status: '+OK' | '-ERR', text: string, code?: ResponseCode): string {
  // RFC 2449 §8: the response code follows the status indicator and one space, in brackets.
  const prefix = code ? `${status} [${code}]` : status;
  if (text.length === 0) return prefix;
  return `${prefix} ${lineText(text, Buffer.byteLength(prefix) + 1)}`;
}

/** `+OK` with optional text (RFC 1939 §3), as one CRLF-ended line. */
export function encodeOk(text = ''): Buffer {
  return Buffer.from(statusLine('+OK', text) + CRLF, 'utf8');
}

/** `-ERR` with text and an optional response code (RFC 2449 §8), as one CRLF-ended line. */
export function encodeErr(text: string, code?: ResponseCode): Buffer {
  return Buffer.from(statusLine('-ERR', text, code) + CRLF, 'utf8');
}

/**
 * A multi-line `+OK` response (RFC 1939 §3): the status line, each line with a "." added before
 * a leading "." (byte-stuffing), then the terminating "." line. Lines must not contain CR or LF.
 */
export function encodeMultiline(text: string, lines: readonly string[]): Buffer {
  const out = [statusLine('+OK', text)];
  for (const line of lines) out.push(line.startsWith('.') ? `.${line}` : line);
  out.push('.');
  return Buffer.from(out.join(CRLF) + CRLF, 'utf8');
}

/**
 * A SASL server challenge (RFC 5034 §4): "+", one space, and the challenge in base64 (nothing
 * after the space for an empty challenge).
 */
export function encodeChallenge(data: Uint8Array): Buffer {
  return Buffer.from(`+ ${Buffer.from(data).toString('base64')}${CRLF}`, 'latin1');
}
