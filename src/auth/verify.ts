/**
 * Checking a message that arrives from another server (port 25): SPF (RFC 7208) for the client
 * IP with MAIL FROM and HELO, DKIM (RFC 6376) for every signature, DMARC (RFC 7489) with its
 * alignment, all through mailauth over Loft's resolver. The outcome is structured, and written
 * as an Authentication-Results field (RFC 8601) by {@link authResultsOf}.
 */
import { isIP } from 'node:net';
import { authenticate, spf } from 'mailauth';
import type { Resolver } from '../dns/resolver.ts';
import { mailauthResolver } from './resolver.ts';
import type { MethodResult, ResultProperty } from './results.ts';

/** What the SMTP transaction knows about where the message came from. */
export interface InboundEnvelope {
  /** The client's IP address. */
  ip: string;
  /** The EHLO/HELO argument (a domain, or an address literal). */
  helo: string;
  /** MAIL FROM; '' for the null reverse-path. */
  sender: string;
}

/** One DKIM signature's outcome (RFC 6376 §6.1; RFC 8601 §2.7.1). */
export interface DkimVerdict {
  result: string;
  domain: string | undefined;
  selector: string | undefined;
  algorithm: string | undefined;
  /** The first 8 characters of b= (RFC 6008 §4), to tell signatures apart. */
  b: string | undefined;
  /** Whether the signing domain aligns with the From domain (RFC 7489 §3.1.1). */
  aligned: boolean;
}

/** One SPF check (RFC 7208 §2.6): of MAIL FROM (`mailfrom`) or of HELO (`helo`). */
export interface SpfVerdict {
  identity: 'mailfrom' | 'helo';
  /** The identity checked: MAIL FROM's address, or the HELO name. */
  value: string;
  result: string;
}

/** The DMARC outcome (RFC 7489 §6.6.2), with the policy the domain asks for. */
export interface DmarcVerdict {
  result: string;
  /** The RFC5322.From domain. */
  from: string;
  /** The effective policy: `none`, `quarantine` or `reject` (sp= for subdomains). */
  policy: string;
}

/** Everything found about an inbound message. */
export interface InboundResults {
  dkim: DkimVerdict[];
  spf: SpfVerdict[];
  /** Undefined when DMARC could not be evaluated (no single From domain, RFC 7489 §6.6.1). */
  dmarc: DmarcVerdict | undefined;
}

/**
 * Verifies `message` as received from `envelope`. DNS failures become `temperror` results,
 * never exceptions; only a bug throws.
 */
export async function verifyInbound(
  message: Buffer,
  envelope: InboundEnvelope,
  resolver: Resolver,
  hostname: string,
): Promise<InboundResults> {
  const dns = mailauthResolver(resolver);
  const heloName = heloDomain(envelope.helo);
  const ip = plainIp(envelope.ip);
  const result = await authenticate(message, {
    ip,
    helo: envelope.helo,
    sender: envelope.sender,
    mta: hostname,
    resolver: dns,
    trustReceived: false, // the client's own trace fields are never believed
    strict: true, // RFC-exact: a body hash mismatch is dkim=fail (RFC 6376 §6.1.3), rsa-sha1 is policy (RFC 8301)
    disableArc: true,
    disableBimi: true,
    // RFC 7208 §4.6.4: a bound on the whole SPF evaluation (at least 20 seconds), then temperror.
    ...({ maxElapsedTime: SPF_TIME_LIMIT_MS } as object),
  });
  const spfResults: SpfVerdict[] = [];
  if (result.spf) {
    // RFC 7208 §2.4: with a null reverse-path MAIL FROM is checked as postmaster@HELO, which is the HELO check.
    spfResults.push(
      envelope.sender === ''
        ? { identity: 'helo', value: heloName ?? envelope.helo, result: result.spf.status.result }
        : { identity: 'mailfrom', value: envelope.sender, result: result.spf.status.result },
    );
  }
  // RFC 7208 §2.3: the HELO identity is checked too (when it is a name, not an address literal).
  if (envelope.sender !== '' && heloName !== undefined) {
    const helo = await spf({
      sender: `postmaster@${heloName}`,
      ip,
      maxElapsedTime: SPF_TIME_LIMIT_MS,
      helo: heloName,
      mta: hostname,
      resolver: dns,
      strict: true,
    });
    spfResults.push({ identity: 'helo', value: heloName, result: helo.status.result });
  }
  const dmarc = result.dmarc;
  return {
    dkim: result.dkim.results.map((r) => ({
      result: r.status.result,
      domain: r.signingDomain,
      selector: r.selector,
      algorithm: r.algo,
      b: r.signature?.slice(0, 8),
      aligned: typeof r.status.aligned === 'string',
    })),
    spf: spfResults,
    dmarc: dmarc
      ? {
          result: dmarc.status.result,
          from: dmarc.status.header?.from ?? dmarc.domain,
          policy: dmarc.policy ?? 'none',
        }
      : undefined,
  };
}

/** The time one SPF evaluation may take (RFC 7208 §4.6.4 asks for at least 20 seconds). */
const SPF_TIME_LIMIT_MS = 20_000;

/** An IPv4 client seen on an IPv6 socket (`::ffff:192.0.2.1`) is checked as IPv4 (RFC 4291 §2.5.5.2). */
function plainIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? mapped[1]! : ip;
}

/** The HELO argument as a domain name, or undefined for an address literal or an IP. */
function heloDomain(helo: string): string | undefined {
  if (helo === '' || helo.startsWith('[') || isIP(helo) !== 0) return undefined;
  return helo.toLowerCase().replace(/\.$/, '');
}

/**
 * The results as RFC 8601 `resinfo`s, in the order dkim, spf, dmarc: `dkim=none` when the
 * message carries no signature (RFC 8601 §2.7.1), `header.d/s/a/b` for each signature,
 * `smtp.mailfrom` or `smtp.helo` for SPF (§2.7.2), `header.from` for DMARC with the policy as
 * a comment.
 */
export function authResultsOf(results: InboundResults): MethodResult[] {
  const out: MethodResult[] = [];
  if (results.dkim.length === 0) out.push({ method: 'dkim', result: 'none', props: [] });
  for (const d of results.dkim) {
    const props: ResultProperty[] = [];
    if (d.domain) props.push(['header', 'd', d.domain]);
    if (d.selector) props.push(['header', 's', d.selector]);
    if (d.algorithm) props.push(['header', 'a', d.algorithm]);
    if (d.b) props.push(['header', 'b', d.b]);
    out.push({ method: 'dkim', result: d.result, props });
  }
  for (const s of results.spf) {
    out.push({ method: 'spf', result: s.result, props: [['smtp', s.identity, s.value]] });
  }
  if (results.dmarc) {
    out.push({
      method: 'dmarc',
      result: results.dmarc.result,
      comment: `p=${results.dmarc.policy}`,
      props: [['header', 'from', results.dmarc.from]],
    });
  }
  return out;
}
