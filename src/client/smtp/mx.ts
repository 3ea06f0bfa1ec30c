/**
 * Where to deliver mail for a domain: RFC 5321 §5.1 "Locating the Target Host", with the null MX
 * of RFC 7505. The ordering and the decisions are pure functions ({@link orderMx},
 * {@link exchangesFor}, {@link mergeAddresses}); {@link findRoute} runs them over a
 * {@link Resolver}. The random source is injected so tests can fix the order among equal
 * preferences.
 *
 * Decisions, with their RFC:
 * - MX records in increasing preference; equal preferences in random order (RFC 5321 §5.1).
 * - NODATA for MX: the implicit MX, the domain itself with preference 0 (RFC 5321 §5.1). Only
 *   then are the domain's own A/AAAA records used.
 * - NXDOMAIN: permanent (5.1.2). A temporary DNS failure: temporary (4.4.3), queued and retried.
 * - A null MX, a single `0 .` record: the domain accepts no mail, permanent 5.1.10
 *   (RFC 7505 §4.2). A `.` among other MX records is only unusable (RFC 7505 §3 forbids mixing).
 * - An exchange that is an IP address or an address literal is unusable: the MX data MUST be a
 *   domain name (RFC 5321 §5.1); it is skipped, as Postfix does.
 * - An exchange that is a CNAME is followed when its addresses are looked up (RFC 5321 §5.1 puts
 *   it outside the standard, RFC 2181 §10.3 forbids it in zones; every MTA tolerates it).
 * - When one exchange is this host, it and every exchange of equal or higher preference are
 *   dropped (RFC 5321 §5.1); if none is left, the mail would loop: permanent 5.4.6.
 * - MX present but none usable (no exchange has an address): permanent 5.4.4, or temporary
 *   4.4.3 when some lookup failed temporarily (RFC 5321 §5.1 "MUST be reported as an error").
 * - A recipient domain that is an address literal (`[192.0.2.1]`) is delivered to that address
 *   without DNS (RFC 5321 §4.1.3).
 */
import { isIP } from 'node:net';
import { type DnsAnswer, describeAnswer, type MxRecord, type Resolver } from '../../dns/resolver.ts';
import { parseAddressLiteral } from '../../proto/smtp/domain.ts';

/** One host to try, with its addresses in the order to try them. */
export interface MxHost {
  /** The exchange name (or the domain itself for the implicit MX, or the address literal). */
  readonly name: string;
  readonly preference: number;
  readonly addresses: readonly string[];
}

/** A failure to route: `permanent` fails the recipients, otherwise they are retried later. */
export interface RouteFailure {
  readonly kind: 'failed';
  readonly permanent: boolean;
  /** RFC 3463 enhanced status code (5.1.2, 5.1.10, 5.4.4, 5.4.6, 4.4.3). */
  readonly enhanced: string;
  readonly text: string;
}

/** The outcome of {@link findRoute}. */
export type Route =
  | {
      readonly kind: 'hosts';
      /** In the order to try them; never empty. */
      readonly hosts: readonly MxHost[];
      /** True for the implicit MX (no MX records). */
      readonly implicit: boolean;
      /** Exchanges skipped and why (for logs). */
      readonly skipped: readonly string[];
    }
  | RouteFailure;

/** Options of {@link findRoute} and {@link exchangesFor}. */
export interface RouteOptions {
  /** Returns a number in [0, 1), as Math.random (the default). */
  readonly random?: () => number;
  /** This host's own names (lower case): an MX naming one of them cuts the list (RFC 5321 §5.1). */
  readonly localNames?: readonly string[];
  /** Which address family to try first for each host. Default `ipv4`. */
  readonly prefer?: 'ipv4' | 'ipv6';
  /** Most exchanges whose addresses are looked up. Default 10. */
  readonly maxHosts?: number;
}

/** An exchange to look up, in order. */
export interface Exchange {
  readonly name: string;
  readonly preference: number;
}

function failure(permanent: boolean, enhanced: string, text: string): RouteFailure {
  return { kind: 'failed', permanent, enhanced, text };
}

/**
 * Sorts MX records by increasing preference, shuffling each group of equal preference with
 * `random` (RFC 5321 §5.1: "the sender MUST randomize them to spread the load"). Pure.
 */
export function orderMx(records: readonly MxRecord[], random: () => number = Math.random): MxRecord[] {
  const byPreference = new Map<number, MxRecord[]>();
  for (const r of records) {
    const group = byPreference.get(r.preference);
    if (group) group.push(r);
    else byPreference.set(r.preference, [r]);
  }
  const out: MxRecord[] = [];
  for (const preference of [...byPreference.keys()].sort((a, b) => a - b)) {
    const group = byPreference.get(preference)!;
    // Fisher–Yates shuffle.
    for (let i = group.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [group[i], group[j]] = [group[j]!, group[i]!];
    }
    out.push(...group);
  }
  return out;
}

/** True for an MX exchange that is an address rather than a name (`192.0.2.1`, `[192.0.2.1]`). */
function isAddressExchange(exchange: string): boolean {
  return isIP(exchange) !== 0 || exchange.startsWith('[');
}

/**
 * Decides, from the MX answer for `domain`, which exchanges to look up (RFC 5321 §5.1, RFC 7505).
 * Pure: returns the exchanges in order with what was skipped, or a failure.
 */
export function exchangesFor(
  domain: string,
  answer: DnsAnswer<MxRecord>,
  options: RouteOptions = {},
): { kind: 'exchanges'; exchanges: Exchange[]; implicit: boolean; skipped: string[] } | RouteFailure {
  switch (answer.kind) {
    case 'nxdomain':
      return failure(true, '5.1.2', `Domain ${domain} does not exist (DNS NXDOMAIN)`);
    case 'temporary':
      return failure(false, '4.4.3', describeAnswer(domain, 'MX', answer));
    case 'nodata':
      // RFC 5321 §5.1: no MX records, the implicit MX (the domain itself, preference 0).
      return { kind: 'exchanges', exchanges: [{ name: domain, preference: 0 }], implicit: true, skipped: [] };
    case 'found':
      break;
  }
  const records = answer.records;
  // RFC 7505 §3: a null MX is a single record with preference 0 and the root as exchange.
  if (records.length === 1 && records[0]!.exchange === '') {
    return failure(true, '5.1.10', `Domain ${domain} accepts no mail (null MX, RFC 7505)`);
  }
  const skipped: string[] = [];
  let exchanges: Exchange[] = [];
  for (const r of orderMx(records, options.random)) {
    if (r.exchange === '') skipped.push(`. (null MX among other MX records)`);
    else if (isAddressExchange(r.exchange)) skipped.push(`${r.exchange} (an address, not a domain name)`);
    else exchanges.push({ name: r.exchange, preference: r.preference });
  }
  // RFC 5321 §5.1: if this host is one of the exchanges, drop it and every exchange of equal or
  // higher preference (they would send the mail back here).
  const local = new Set(options.localNames ?? []);
  const self = exchanges.find((e) => local.has(e.name));
  if (self !== undefined) {
    const kept = exchanges.filter((e) => e.preference < self.preference);
    if (kept.length === 0)
      return failure(true, '5.4.6', `Mail for ${domain} loops back to this host (MX ${self.name})`);
    exchanges = kept;
  }
  if (exchanges.length === 0)
    return failure(true, '5.4.4', `No usable MX for ${domain}: ${skipped.join(', ')}`);
  return { kind: 'exchanges', exchanges, implicit: false, skipped };
}

/**
 * Merges a host's A and AAAA answers into the addresses to try, the preferred family first.
 * `temporary` is true when a lookup failed temporarily (so "no address" is not definitive).
 */
export function mergeAddresses(
  a: DnsAnswer<string>,
  aaaa: DnsAnswer<string>,
  prefer: 'ipv4' | 'ipv6' = 'ipv4',
): { addresses: string[]; temporary: boolean; detail: string } {
  const v4 = a.kind === 'found' ? [...a.records] : [];
  const v6 = aaaa.kind === 'found' ? [...aaaa.records] : [];
  const temporary = a.kind === 'temporary' || aaaa.kind === 'temporary';
  const detail = [a, aaaa]
    .map((x, i) => (x.kind === 'found' ? '' : describeAnswer('', i === 0 ? 'A' : 'AAAA', x)))
    .filter((d) => d !== '')
    .join('; ');
  return { addresses: prefer === 'ipv4' ? [...v4, ...v6] : [...v6, ...v4], temporary, detail };
}

/**
 * Finds the hosts to try for `domain` (lower case, A-labels): the MX lookup, then the addresses of
 * each exchange (A and AAAA in parallel). Never throws for DNS outcomes.
 */
export async function findRoute(
  domain: string,
  resolver: Resolver,
  options: RouteOptions = {},
): Promise<Route> {
  if (domain.startsWith('[')) {
    // RFC 5321 §4.1.3: an address literal names the host directly.
    const literal = parseAddressLiteral(domain);
    if (!literal.ok) return failure(true, '5.1.2', `Invalid address literal ${domain}`);
    const address = literal.value.slice(1, -1).replace(/^IPv6:/i, '');
    return {
      kind: 'hosts',
      hosts: [{ name: literal.value, preference: 0, addresses: [address] }],
      implicit: true,
      skipped: [],
    };
  }
  const plan = exchangesFor(domain, await resolver.mx(domain), options);
  if (plan.kind === 'failed') return plan;
  const exchanges = plan.exchanges.slice(0, options.maxHosts ?? 10);
  const looked = await Promise.all(
    exchanges.map(async (e) => {
      const [a, aaaa] = await Promise.all([resolver.a(e.name), resolver.aaaa(e.name)]);
      return { exchange: e, ...mergeAddresses(a, aaaa, options.prefer) };
    }),
  );
  const hosts: MxHost[] = [];
  const skipped = [...plan.skipped];
  let temporary = false;
  for (const l of looked) {
    if (l.addresses.length > 0) {
      hosts.push({ name: l.exchange.name, preference: l.exchange.preference, addresses: l.addresses });
    } else {
      temporary ||= l.temporary;
      skipped.push(`${l.exchange.name} (${l.detail})`);
    }
  }
  if (hosts.length > 0) return { kind: 'hosts', hosts, implicit: plan.implicit, skipped };
  const what = plan.implicit
    ? `${domain} has no MX and no address`
    : `No MX host of ${domain} has an address`;
  return failure(!temporary, temporary ? '4.4.3' : '5.4.4', `${what}: ${skipped.join(', ')}`);
}
