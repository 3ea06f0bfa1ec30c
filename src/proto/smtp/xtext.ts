/**
 * The `xtext` encoding of RFC 3461 §4 (used by ENVID, ORCPT and AUTH=) and the
 * `utf-8-addr-xtext` / `utf-8-addr-unitext` forms of RFC 6533 §3 for ORCPT with the `utf-8` type.
 * Pure functions; decoders return `null` on malformed input instead of throwing.
 */

const utf8Fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  // RFC 3461 §4 requires upper-case hex digits; lower case is accepted here (robustness).
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/** RFC 3461 §4 xchar: any ASCII CHAR between "!" (33) and "~" (126) inclusive, except "+" and "=". */
function isXchar(c: number): boolean {
  return c >= 33 && c <= 126 && c !== 0x2b && c !== 0x3d;
}

/**
 * Decodes RFC 3461 §4 `xtext = *( xchar / hexchar )`, `hexchar = "+" 2HEXDIG`. The decoded octets
 * must be UTF-8 (ASCII in practice). Returns `null` when the input is not xtext.
 */
export function decodeXtext(text: string): string | null {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2b) {
      const hi = hexValue(text.charCodeAt(i + 1));
      const lo = hexValue(text.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) return null;
      bytes.push(hi * 16 + lo);
      i += 2;
    } else if (isXchar(c)) {
      bytes.push(c);
    } else {
      return null;
    }
  }
  try {
    return utf8Fatal.decode(Uint8Array.from(bytes));
  } catch {
    return null;
  }
}

/** Encodes a string as RFC 3461 §4 xtext: xchars as is, every other octet of its UTF-8 as `+XX`. */
export function encodeXtext(value: string): string {
  let out = '';
  for (const b of Buffer.from(value, 'utf8')) {
    out += isXchar(b) ? String.fromCharCode(b) : `+${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** RFC 6533 §3 QCHAR = %x21-2a / %x2c-3c / %x3e-5b / %x5d-7e (printable ASCII but "+", "=", "\"). */
function isQchar(c: number): boolean {
  return c >= 0x21 && c <= 0x7e && c !== 0x2b && c !== 0x3d && c !== 0x5c;
}

/**
 * Decodes RFC 6533 §3 `utf-8-addr-xtext` (`unitext` false) or `utf-8-addr-unitext` (true, which
 * also allows raw non-ASCII characters): QCHARs as is and `\x{HEX}` escapes for any other Unicode
 * scalar value. Returns `null` when malformed.
 */
export function decodeUtf8AddrXtext(text: string, unitext: boolean): string | null {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) {
      const m = /^\\x\{([0-9A-Fa-f]{1,6})\}/.exec(text.slice(i, i + 11));
      if (m === null) return null;
      const cp = Number.parseInt(m[1]!, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
      out += String.fromCodePoint(cp);
      i += m[0].length;
    } else if (isQchar(c) || (unitext && c >= 0x80)) {
      out += text[i];
      i++;
    } else {
      return null;
    }
  }
  return out;
}

/**
 * Encodes a string as RFC 6533 §3 `utf-8-addr-xtext`: QCHARs as is, everything else as `\x{HEX}`.
 */
export function encodeUtf8AddrXtext(value: string): string {
  let out = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    out += cp < 0x80 && isQchar(cp) ? ch : `\\x{${cp.toString(16).toUpperCase()}}`;
  }
  return out;
}
