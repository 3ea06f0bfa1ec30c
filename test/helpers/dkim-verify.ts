/**
 * mailauth's own DKIM verifier for tests, asking the test DNS server for key records. It reads
 * TXT answers through a NodeResolver directly, not through Loft's adapter (src/auth/resolver.ts),
 * so a signature Loft made is checked by code Loft did not write.
 */
import { dkimVerify } from 'mailauth';
import { NodeResolver } from '../../src/dns/node-resolver.ts';

/** Verifies every DKIM signature of `message` (mailauth strict mode: a body hash mismatch is `fail`). */
export function verifyDkim(message: Buffer, dnsAddress: string): ReturnType<typeof dkimVerify> {
  const dns = new NodeResolver({ servers: [dnsAddress], timeoutMs: 2000, tries: 1 });
  const resolver = async (name: string, type: string): Promise<string[][]> => {
    const answer = type === 'TXT' ? await dns.txt(name) : ({ kind: 'nodata' } as const);
    if (answer.kind === 'found') return answer.records.map((r) => [...r]);
    const code =
      answer.kind === 'nxdomain' ? 'ENOTFOUND' : answer.kind === 'nodata' ? 'ENODATA' : 'ESERVFAIL';
    throw Object.assign(new Error(`${type} ${name}: ${answer.kind}`), { code });
  };
  return dkimVerify(message, { resolver, strict: true });
}
