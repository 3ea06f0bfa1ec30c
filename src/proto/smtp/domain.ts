/**
 * Domains and address literals as they appear in SMTP commands (RFC 5321 §4.1.2, §4.1.3), with the
 * internationalised form of RFC 6531 §3.3. Pure: no DNS, no I/O.
 */
import { isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';

/** RFC 5321 §4.5.3.1.2: the maximum total length of a domain name or number is 255 octets. */
export const MAX_DOMAIN_OCTETS = 255;
/** RFC 1035 §2.3.4: a DNS label is at most 63 octets. */
export const MAX_LABEL_OCTETS = 63;

/** Result of a scan: the normalised value and the index just past what was consumed. */
export type ScanResult<T> = { ok: true; value: T; end: number } | { ok: false; reason: string };

/** Options shared by the SMTP grammar functions. */
export interface GrammarOptions {
  /** RFC 6531 §3.3: allow UTF-8 (U-labels, UTF-8 local parts). Without it, 8-bit is a syntax error. */
  readonly smtputf8?: boolean | undefined;
}

const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

function isLetDigCode(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * Checks that `ascii` (already lower-case) is a sequence of LDH labels: RFC 5321 §4.1.2 `Domain`
 * (`sub-domain *("." sub-domain)`, `sub-domain = Let-dig [Ldh-str]`), each label at most 63 octets,
 * the whole at most 255 octets.
 */
function checkLdhDomain(ascii: string): string | null {
  if (ascii.length === 0) return 'empty domain';
  if (ascii.length > MAX_DOMAIN_OCTETS) return 'domain too long';
  for (const label of ascii.split('.')) {
    if (label.length === 0) return 'empty domain label';
    if (label.length > MAX_LABEL_OCTETS) return 'domain label too long';
    if (!LDH_LABEL.test(label)) return 'invalid domain label';
  }
  return null;
}

/**
 * RFC 5321 §4.1.2 `Domain`, extended by RFC 6531 §3.3 (`sub-domain =/ U-label`) when `smtputf8`.
 * Returns the domain lower-cased, with U-labels converted to A-labels (`node:url` domainToASCII),
 * or a reason when it is not a valid domain. `text` must be the whole candidate.
 */
export function parseDomain(
  text: string,
  opts: GrammarOptions = {},
): { ok: true; value: string } | { ok: false; reason: string } {
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) ascii = false;
    else if (!isLetDigCode(c) && c !== 0x2d && c !== 0x2e)
      return { ok: false, reason: 'invalid character in domain' };
  }
  if (ascii) {
    const lower = text.toLowerCase();
    const problem = checkLdhDomain(lower);
    return problem === null ? { ok: true, value: lower } : { ok: false, reason: problem };
  }
  if (!opts.smtputf8) return { ok: false, reason: '8-bit domain without SMTPUTF8' };
  // Labels must be non-empty before conversion too: domainToASCII maps some characters to dots.
  if (text.split('.').some((l) => l.length === 0)) return { ok: false, reason: 'empty domain label' };
  const converted = domainToASCII(text);
  if (converted === '') return { ok: false, reason: 'invalid internationalised domain' };
  const problem = checkLdhDomain(converted);
  return problem === null ? { ok: true, value: converted } : { ok: false, reason: problem };
}

/** RFC 5321 §4.1.3 `Snum = 1*3DIGIT` representing a decimal integer value in the range 0 through 255. */
function parseSnum(s: string): number | null {
  if (!/^[0-9]{1,3}$/.test(s)) return null;
  const n = Number(s);
  return n <= 255 ? n : null;
}

/**
 * RFC 5321 §4.1.3 `address-literal = "[" ( IPv4-address-literal / IPv6-address-literal /
 * General-address-literal ) "]"`. `text` includes the brackets. IPv4 literals are returned in
 * canonical dotted decimal (`[192.0.2.1]`); IPv6 literals as `[IPv6:…]` with the address lower-cased.
 * General-address-literals are refused: no standardised tag other than `IPv6` exists.
 */
export function parseAddressLiteral(
  text: string,
): { ok: true; value: string } | { ok: false; reason: string } {
  if (text.length < 3 || text[0] !== '[' || text[text.length - 1] !== ']') {
    return { ok: false, reason: 'invalid address literal' };
  }
  const inner = text.slice(1, -1);
  // RFC 5321 §4.1.3 IPv4-address-literal = Snum 3("." Snum)
  const parts = inner.split('.');
  if (parts.length === 4 && parts.every((p) => /^[0-9]+$/.test(p))) {
    const nums = parts.map(parseSnum);
    if (nums.some((n) => n === null)) return { ok: false, reason: 'invalid IPv4 address literal' };
    return { ok: true, value: `[${nums.join('.')}]` };
  }
  // RFC 5321 §4.1.3 IPv6-address-literal = "IPv6:" IPv6-addr (zone identifiers are not part of it)
  if (inner.slice(0, 5).toLowerCase() === 'ipv6:') {
    const addr = inner.slice(5);
    if (!/^[0-9A-Fa-f:.]+$/.test(addr) || !isIPv6(addr))
      return { ok: false, reason: 'invalid IPv6 address literal' };
    return { ok: true, value: `[IPv6:${addr.toLowerCase()}]` };
  }
  return { ok: false, reason: 'unsupported address literal' };
}

/**
 * Scans `Domain / address-literal` starting at `pos` and stops before the first character that
 * cannot belong to it (`>`, `,`, `:`, SP…). Used by path and EHLO parsing.
 */
export function scanDomainOrLiteral(
  input: string,
  pos: number,
  opts: GrammarOptions = {},
): ScanResult<string> {
  if (input[pos] === '[') {
    const close = input.indexOf(']', pos);
    if (close < 0) return { ok: false, reason: 'unterminated address literal' };
    const r = parseAddressLiteral(input.slice(pos, close + 1));
    return r.ok ? { ok: true, value: r.value, end: close + 1 } : r;
  }
  let end = pos;
  while (end < input.length) {
    const c = input.charCodeAt(end);
    if (isLetDigCode(c) || c === 0x2d || c === 0x2e || c >= 0x80) end++;
    else break;
  }
  if (end === pos) return { ok: false, reason: 'missing domain' };
  const r = parseDomain(input.slice(pos, end), opts);
  return r.ok ? { ok: true, value: r.value, end } : r;
}

/** True when `domain` (as returned by the parsers here) is an address literal rather than a name. */
export function isAddressLiteral(domain: string): boolean {
  return domain.startsWith('[');
}
