/**
 * Content-Transfer-Encoding decoders (RFC 2045 §6.7 quoted-printable, §6.8 base64), tolerant of
 * what real mail contains: lower-case hex, bare LF, stray `=` and characters outside the base64
 * alphabet, missing padding. Never throw.
 */

const LF = 0x0a;
const CR = 0x0d;
const EQ = 0x3d;

/**
 * Decodes `bytes` from the transfer encoding `encoding` (lower-case token; absent, 7bit, 8bit,
 * binary and unknown encodings return the bytes as they are).
 */
export function decodeTransfer(bytes: Buffer, encoding: string | undefined): Buffer {
  if (encoding === 'base64') return decodeBase64(bytes);
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(bytes);
  return bytes;
}

/** RFC 2045 §6.8, ignoring every byte outside the base64 alphabet (§6.8: "must be ignored"). */
export function decodeBase64(bytes: Buffer): Buffer {
  return Buffer.from(bytes.toString('latin1').replace(/[^A-Za-z0-9+/]+/g, ''), 'base64');
}

/**
 * RFC 2045 §6.7: `=XX` is a byte (either hex case), `=` at the end of a line is a soft line break,
 * white space at the end of a line is dropped (rule 3); an `=` that starts neither is kept.
 */
export function decodeQuotedPrintable(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  let o = 0;
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b === EQ) {
      const h = hex(bytes[i + 1]);
      const l = hex(bytes[i + 2]);
      if (h !== -1 && l !== -1) {
        out[o++] = (h << 4) | l;
        i += 3;
        continue;
      }
      // Soft line break: "=" then optional white space, then the line break.
      let j = i + 1;
      while (j < n && (bytes[j] === 0x20 || bytes[j] === 0x09)) j++;
      if (j >= n) break;
      if (bytes[j] === LF) {
        i = j + 1;
        continue;
      }
      if (bytes[j] === CR && bytes[j + 1] === LF) {
        i = j + 2;
        continue;
      }
      out[o++] = b;
      i++;
      continue;
    }
    if (b === 0x20 || b === 0x09) {
      // Trailing white space before a line break (or the end) is transport padding.
      let j = i;
      while (j < n && (bytes[j] === 0x20 || bytes[j] === 0x09)) j++;
      if (j >= n || bytes[j] === LF || (bytes[j] === CR && bytes[j + 1] === LF)) {
        i = j;
        continue;
      }
      while (i < j) out[o++] = bytes[i++]!;
      continue;
    }
    out[o++] = b;
    i++;
  }
  return out.subarray(0, o);
}

function hex(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}
