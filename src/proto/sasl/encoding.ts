/**
 * Strict decoders shared by the SASL mechanisms and by the protocol layers that carry them.
 */

// RFC 4648 §4: the base64 alphabet, in groups of four, the last group padded with "=".
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes RFC 4648 §4 base64 strictly: only the 64-character alphabet, padding required and
 * only at the end, no whitespace or line breaks (RFC 4648 §3.3), and no non-zero pad bits
 * (§3.5), so each byte string has exactly one accepted encoding. The empty string decodes to an
 * empty buffer; a protocol's own spelling of "empty" (SMTP's `=`) is for the caller to handle.
 *
 * @returns the bytes, or `undefined` when `text` is not canonical base64.
 */
export function decodeBase64Strict(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  // RFC 4648 §3.5: reject encodings whose pad bits are not zero.
  if (bytes.toString('base64') !== text) return undefined;
  return bytes;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes well-formed UTF-8 (RFC 3629), keeping a leading byte-order mark as a character.
 *
 * @returns the string, or `undefined` for ill-formed input (overlong forms, surrogates, bytes
 * past U+10FFFF, truncated sequences).
 */
export function decodeUtf8Strict(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}
