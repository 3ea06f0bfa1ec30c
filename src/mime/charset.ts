/**
 * Charset conversion for text that goes to the full-text index. Uses iconv-lite, through libmime's
 * charset module for the names it resolves (aliases, the Japanese charsets iconv-lite lacks, and
 * refusing UTF-7). Never throws.
 */

import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { decode as libmimeDecode } from 'libmime/lib/charset.js';

/** Charset labels that mean 7-bit ASCII, where 8-bit bytes are a sender's mistake. */
const ASCII_LABELS = new Set([
  '',
  'us-ascii',
  'ascii',
  'ansi_x3.4-1968',
  'iso646-us',
  'us',
  '7bit',
  'default',
]);

/**
 * Decodes `bytes` written in `charset` (a MIME charset name, RFC 2046 §4.1.2). For a missing or
 * ASCII label, bytes that are valid UTF-8 are read as UTF-8 and others as Windows-1252 (what such
 * mail nearly always is). An unknown charset is read as UTF-8, invalid sequences replaced.
 */
export function decodeCharset(bytes: Buffer, charset?: string): string {
  const label = (charset ?? '').trim().toLowerCase();
  try {
    if (ASCII_LABELS.has(label)) {
      return isUtf8(bytes) ? bytes.toString('utf8') : iconv.decode(bytes, 'windows-1252');
    }
    if (label === 'utf-8' || label === 'utf8') return bytes.toString('utf8');
    return libmimeDecode(bytes, label);
  } catch {
    return bytes.toString('utf8');
  }
}
