/**
 * mailauth asks DNS through a resolver function shaped like `dns.resolve(name, rrtype)`: records
 * on success, an error with a c-ares code otherwise. This adapts Loft's {@link Resolver} to it, so
 * every SPF, DKIM and DMARC lookup goes through the resolver the composition root built (the test
 * DNS server in tests), never the system's DNS.
 *
 * Answers become what mailauth tells apart: `nxdomain` → ENOTFOUND, `nodata` → ENODATA (both
 * "no record": SPF none, DKIM "no key", DMARC none), `temporary` → ESERVFAIL, EREFUSED, ETIMEOUT
 * or ECONNREFUSED, which mailauth reports as temperror (RFC 7208 §2.6.6, RFC 6376 §6.1.2,
 * RFC 7489 §6.6.3).
 */
import type { DNSResolver } from 'mailauth';
import type { DnsAnswer, Resolver, TemporaryReason } from '../dns/resolver.ts';

const TEMPORARY_CODES: Record<TemporaryReason, string> = {
  servfail: 'ESERVFAIL',
  refused: 'EREFUSED',
  timeout: 'ETIMEOUT',
  unreachable: 'ECONNREFUSED',
  error: 'ESERVFAIL',
};

/** An error as c-ares would raise it. */
function dnsError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

function records<T>(name: string, type: string, answer: DnsAnswer<T>): T[] {
  switch (answer.kind) {
    case 'found':
      return [...answer.records];
    case 'nxdomain':
      throw dnsError('ENOTFOUND', `${type} ${name}: no such domain`);
    case 'nodata':
      throw dnsError('ENODATA', `${type} ${name}: no record`);
    case 'temporary':
      throw dnsError(TEMPORARY_CODES[answer.reason], `${type} ${name}: ${answer.detail}`);
  }
}

/**
 * mailauth's resolver function over `resolver`. Types Loft's interface does not have (CNAME,
 * asked by the DMARC domain-existence test only after an NXDOMAIN for A) answer ENODATA; a
 * resolver that throws (a bug, or the test guard) surfaces as a temporary failure.
 */
export function mailauthResolver(resolver: Resolver): DNSResolver {
  const lookup = async (name: string, rrtype: string): Promise<unknown[]> => {
    const type = rrtype.toUpperCase();
    const ask = async (): Promise<unknown[]> => {
      switch (type) {
        case 'TXT':
          return records(name, type, await resolver.txt(name)).map((r) => [...r]);
        case 'A':
          return records(name, type, await resolver.a(name));
        case 'AAAA':
          return records(name, type, await resolver.aaaa(name));
        case 'MX':
          return records(name, type, await resolver.mx(name)).map((r) => ({
            exchange: r.exchange,
            priority: r.preference,
          }));
        case 'PTR':
          return records(name, type, await resolver.ptr(ptrAddress(name)));
        default:
          throw dnsError('ENODATA', `${type} ${name}: not asked by Loft`);
      }
    };
    try {
      return await ask();
    } catch (err) {
      if (typeof (err as { code?: unknown }).code === 'string') throw err;
      throw dnsError('ESERVFAIL', `${type} ${name}: ${String(err)}`);
    }
  };
  // mailauth's declared type lists strings only; it reads MX answers as dns.resolve gives them.
  return lookup as DNSResolver;
}

/**
 * mailauth asks PTR by the reverse name (`4.3.2.1.in-addr.arpa`); Loft's resolver takes the
 * address. Turns a reverse name back into the address (RFC 1035 §3.5, RFC 3596 §2.5).
 */
export function ptrAddress(name: string): string {
  const lower = name.toLowerCase().replace(/\.$/, '');
  if (lower.endsWith('.in-addr.arpa')) {
    return lower.slice(0, -'.in-addr.arpa'.length).split('.').reverse().join('.');
  }
  if (lower.endsWith('.ip6.arpa')) {
    const nibbles = lower.slice(0, -'.ip6.arpa'.length).split('.').reverse().join('');
    return nibbles.match(/.{1,4}/g)?.join(':') ?? lower;
  }
  return name;
}
