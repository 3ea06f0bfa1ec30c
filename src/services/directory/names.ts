/**
 * Validation and normalisation of the names the directory keeps: domains, addresses, alias
 * sources. Everything is stored lower-case, domains as A-labels (IDNA, via node:url).
 */
import { domainToASCII } from 'node:url';
import { LoftError } from '../../core/errors.ts';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
/** RFC 5322 §3.2.3 atext, plus UTF-8 (RFC 6531 §3.3) and dots between atoms. */
const LOCAL_PART = /^(?!\.)(?!.*\.\.)[a-z0-9!#$%&'*+/=?^_`{|}~.\u0080-\u{10FFFF}-]{1,64}(?<!\.)$/u;

/** Normalises a domain name (lower-case A-label) or throws INVALID naming the problem. */
export function normalizeDomain(input: string): string {
  const trimmed = input.trim().replace(/\.$/, '');
  const ascii = domainToASCII(trimmed.toLowerCase());
  if (!ascii || ascii.length > 253) throw new LoftError('INVALID', `not a valid domain name: ${input}`);
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) {
    throw new LoftError('INVALID', `not a valid domain name: ${input}`);
  }
  return ascii;
}

/** Splits and normalises `local@domain`; throws INVALID naming the problem. */
export function normalizeAddress(input: string): { address: string; localPart: string; domain: string } {
  const at = input.lastIndexOf('@');
  if (at <= 0) throw new LoftError('INVALID', `not a valid address (expected local@domain): ${input}`);
  const localPart = input.slice(0, at).normalize('NFC').toLowerCase();
  if (!LOCAL_PART.test(localPart)) throw new LoftError('INVALID', `not a valid address: ${input}`);
  const domain = normalizeDomain(input.slice(at + 1));
  return { address: `${localPart}@${domain}`, localPart, domain };
}

/** Normalises an alias source: an address, or `@domain` for a catch-all. */
export function normalizeAliasSource(input: string): { source: string; domain: string } {
  if (input.startsWith('@')) {
    const domain = normalizeDomain(input.slice(1));
    return { source: `@${domain}`, domain };
  }
  const { address, domain } = normalizeAddress(input);
  return { source: address, domain };
}
