/**
 * Modified UTF-7, the mailbox name encoding of IMAP4rev1 (RFC 3501 §5.1.3; RFC 9051 §5.1 keeps
 * it for clients that do not enable IMAP4rev2 or UTF8=ACCEPT):
 * - printable US-ASCII (0x20–0x7E) other than "&" stands for itself;
 * - "&" is written "&-";
 * - any other run of characters is "&", their UTF-16BE code units in modified base64 (RFC 4648
 *   base64 with "," for "/", no "=" padding), then "-".
 */

const PRINTABLE = /^[\x20-\x7e]$/;

/** RFC 3501 §5.1.3 modified base64 of UTF-16BE code units. */
function encodeRun(run: string): string {
  const bytes = Buffer.from(run, 'utf16le').swap16();
  return `&${bytes.toString('base64').replace(/=+$/, '').replaceAll('/', ',')}-`;
}

/**
 * Encodes a mailbox name (any Unicode string) in modified UTF-7. Lone surrogates, which have no
 * UTF-16 encoding of their own, become U+FFFD. Never throws.
 */
export function encodeMutf7(name: string): string {
  const text = name.toWellFormed();
  let out = '';
  let run = '';
  for (const ch of text) {
    if (PRINTABLE.test(ch)) {
      if (run !== '') {
        out += encodeRun(run);
        run = '';
      }
      out += ch === '&' ? '&-' : ch;
    } else {
      run += ch;
    }
  }
  return run === '' ? out : out + encodeRun(run);
}

const BASE64_RUN = /^[A-Za-z0-9+,]+$/;

/**
 * Decodes a modified UTF-7 mailbox name strictly: returns `null` unless `encoded` is exactly
 * what {@link encodeMutf7} produces for some name. That rejects, as RFC 3501 §5.1.3 asks:
 * characters outside printable US-ASCII, a "&" not closed by "-", base64 outside the modified
 * alphabet or with padding or non-zero pad bits, printable US-ASCII encoded in base64, an odd
 * number of octets or a lone surrogate in the UTF-16 data, and two encoded runs next to each
 * other (`&AOk-&AOk-` is written `&AOkA6Q-`). Never throws.
 */
export function decodeMutf7(encoded: string): string | null {
  let out = '';
  let i = 0;
  while (i < encoded.length) {
    const ch = encoded[i]!;
    if (!PRINTABLE.test(ch)) return null;
    if (ch !== '&') {
      out += ch;
      i++;
      continue;
    }
    const end = encoded.indexOf('-', i + 1);
    if (end < 0) return null;
    const run = encoded.slice(i + 1, end);
    i = end + 1;
    if (run === '') {
      out += '&';
      continue;
    }
    if (!BASE64_RUN.test(run)) return null;
    const bytes = Buffer.from(run.replaceAll(',', '/'), 'base64');
    if (bytes.length === 0 || bytes.length % 2 !== 0) return null;
    const text = bytes.swap16().toString('utf16le');
    if (!text.isWellFormed()) return null;
    out += text;
  }
  // Canonical form only: this catches pad bits, needless encoding and adjacent runs at once.
  return encodeMutf7(out) === encoded ? out : null;
}
