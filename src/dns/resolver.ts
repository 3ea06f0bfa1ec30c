/**
 * The one DNS interface of Loft. Every lookup (MX selection for outbound delivery, and later SPF,
 * DKIM, DMARC and PTR checks) goes through a {@link Resolver} handed in by the composition root,
 * never through a global, so tests can point it at their own DNS server.
 *
 * Answers say whether the absence of records is definitive or not (RFC 2308 §2, §2.2):
 * - `nxdomain` (RCODE 3, "no such domain") and `nodata` (NOERROR with an empty answer) are
 *   authoritative facts: permanent for mail routing;
 * - `temporary` covers SERVFAIL, REFUSED, timeouts and unreachable servers: try again later.
 */

/** An MX record (RFC 1035 §3.3.9). `exchange` is lower-cased, without a trailing dot; "" for the root (null MX). */
export interface MxRecord {
  readonly preference: number;
  readonly exchange: string;
}

/** A TXT record (RFC 1035 §3.3.14): its character-strings, in order, not joined. */
export type TxtRecord = readonly string[];

/** Why a lookup could not be answered now. */
export type TemporaryReason = 'servfail' | 'refused' | 'timeout' | 'unreachable' | 'error';

/** The outcome of one lookup. */
export type DnsAnswer<T> =
  /** At least one record. */
  | { readonly kind: 'found'; readonly records: readonly T[] }
  /** RCODE NXDOMAIN: the name does not exist (permanent). */
  | { readonly kind: 'nxdomain' }
  /** The name exists but has no record of this type (permanent). */
  | { readonly kind: 'nodata' }
  /** No answer now (SERVFAIL, REFUSED, timeout, network error): try again later. */
  | { readonly kind: 'temporary'; readonly reason: TemporaryReason; readonly detail: string };

/**
 * DNS lookups for the whole of Loft. Implementations never throw for DNS outcomes: every failure
 * is a {@link DnsAnswer}. They may throw for programming errors (an invalid name).
 */
export interface Resolver {
  /** MX records of `name` (RFC 1035 §3.3.9), in the order received. */
  mx(name: string): Promise<DnsAnswer<MxRecord>>;
  /** IPv4 addresses of `name` (A, RFC 1035 §3.4.1), CNAMEs followed. */
  a(name: string): Promise<DnsAnswer<string>>;
  /** IPv6 addresses of `name` (AAAA, RFC 3596), CNAMEs followed. */
  aaaa(name: string): Promise<DnsAnswer<string>>;
  /** TXT records of `name` (RFC 1035 §3.3.14). */
  txt(name: string): Promise<DnsAnswer<TxtRecord>>;
  /** Names of an IP address (PTR under in-addr.arpa / ip6.arpa, RFC 1035 §3.5, RFC 3596 §2.5). */
  ptr(ip: string): Promise<DnsAnswer<string>>;
}

/** True when the answer says definitively that there is nothing (NXDOMAIN or NODATA). */
export function isDefinitelyAbsent<T>(answer: DnsAnswer<T>): boolean {
  return answer.kind === 'nxdomain' || answer.kind === 'nodata';
}

/** A short human-readable description of an answer without records, for logs and bounces. */
export function describeAnswer<T>(name: string, type: string, answer: DnsAnswer<T>): string {
  switch (answer.kind) {
    case 'found':
      return `${type} ${name}: ${answer.records.length} record(s)`;
    case 'nxdomain':
      return `${type} ${name}: no such domain`;
    case 'nodata':
      return `${type} ${name}: no ${type} record`;
    case 'temporary':
      return `${type} ${name}: temporary DNS failure (${answer.reason}: ${answer.detail})`;
  }
}
