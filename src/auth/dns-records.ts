/**
 * The DNS records a domain needs for Loft, in zone-file form (RFC 1035 §5.1): MX to Loft's
 * host, SPF (RFC 7208 §3), a DKIM key record per active key (RFC 6376 §3.6.2), DMARC
 * (RFC 7489 §6.1), and the client configuration SRV records (RFC 6186 §3, RFC 8314 §5.1).
 * Pure: the caller supplies the keys and the ports.
 */
import { type DkimAlgorithm, dkimRecordName, dkimRecordText } from './keys.ts';

/** A published key. */
export interface PublishedKey {
  selector: string;
  algorithm: DkimAlgorithm;
  publicKey: string;
  /** When it was retired (ms), for keys kept in DNS after a rotation; undefined while active. */
  retiredAt?: number | undefined;
}

/** The client services Loft offers and their ports; an absent one is published as unavailable. */
export interface ServicePorts {
  submission?: number | undefined;
  submissions?: number | undefined;
  imap?: number | undefined;
  imaps?: number | undefined;
  pop3?: number | undefined;
  pop3s?: number | undefined;
}

/** The SRV services of RFC 6186 §3.1–§3.3 and RFC 8314 §5.1, in the order printed. */
const SRV_SERVICES = ['submission', 'submissions', 'imap', 'imaps', 'pop3', 'pop3s'] as const;

/** What {@link zoneRecords} prints. */
export interface ZoneInput {
  domain: string;
  /** Loft's host name: the MX target and the SRV target. */
  hostname: string;
  keys: readonly PublishedKey[];
  ports: ServicePorts;
  /** TTL of every record, seconds. Default 3600. */
  ttl?: number;
}

/** A TXT value as character-strings of at most 255 octets each (RFC 1035 §3.3.14). */
export function txtStrings(text: string): string {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += 255) parts.push(text.slice(i, i + 255));
  const quoted = parts.map((p) => `"${p.replace(/(["\\])/g, '\\$1')}"`);
  return quoted.length === 1 ? quoted[0]! : `( ${quoted.join(' ')} )`;
}

/** The records, one per line, names absolute (trailing dot), each section after a comment. */
export function zoneRecords(input: ZoneInput): string {
  const ttl = String(input.ttl ?? 3600);
  const host = `${input.hostname}.`;
  const apex = `${input.domain}.`;
  const rr = (name: string, type: string, data: string): string => `${name}\t${ttl}\tIN\t${type}\t${data}`;
  const lines = [
    `; DNS records for ${input.domain}, served by ${input.hostname} (zone-file form, RFC 1035 §5)`,
    '; Mail exchanger (RFC 5321 §5.1)',
    rr(apex, 'MX', `10 ${host}`),
    '; SPF (RFC 7208): the MX hosts may send for the domain, nobody else',
    rr(apex, 'TXT', txtStrings('v=spf1 mx -all')),
    '; DKIM public keys (RFC 6376 §3.6.2, RFC 8463)',
  ];
  const active = input.keys.filter((k) => k.retiredAt === undefined);
  if (active.length === 0) lines.push('; (no active DKIM key: run `loft domain dkim rotate DOMAIN`)');
  for (const key of active) {
    lines.push(
      rr(
        `${dkimRecordName(key.selector, input.domain)}.`,
        'TXT',
        txtStrings(dkimRecordText(key.algorithm, key.publicKey)),
      ),
    );
  }
  for (const key of input.keys.filter((k) => k.retiredAt !== undefined)) {
    const date = new Date(key.retiredAt!).toISOString().slice(0, 10);
    lines.push(
      `; retired ${date}: ${key.selector} (keep its record a few days after rotation, then remove it)`,
    );
  }
  lines.push(
    '; DMARC (RFC 7489 §6.1): start with p=none; add rua=mailto:postmaster@' +
      `${input.domain} for aggregate reports, then move to p=quarantine or p=reject`,
    rr(`_dmarc.${apex}`, 'TXT', txtStrings('v=DMARC1; p=none')),
    '; Client configuration (RFC 6186 §3, RFC 8314 §5.1); target "." means not offered',
  );
  for (const service of SRV_SERVICES) {
    const port = input.ports[service];
    lines.push(rr(`_${service}._tcp.${apex}`, 'SRV', port === undefined ? '0 0 0 .' : `0 1 ${port} ${host}`));
  }
  return `${lines.join('\n')}\n`;
}
