/**
 * {@link Resolver} over `node:dns/promises` (c-ares): the system's servers from
 * /etc/resolv.conf by default, or the servers given (`HOST:PORT`, `[IPv6]:PORT`, or a bare IP).
 * c-ares follows CNAME chains in answers for A and AAAA, and ignores them for MX and TXT (a
 * recursive server returns the target's records after the CNAME, which are then used).
 */
import { Resolver as CaresResolver } from 'node:dns/promises';
import type { DnsAnswer, MxRecord, Resolver, TemporaryReason, TxtRecord } from './resolver.ts';

/** Options for {@link NodeResolver}. */
export interface NodeResolverOptions {
  /** DNS servers as `HOST:PORT`, `[IPv6]:PORT` or an IP; empty or absent: the system's. */
  readonly servers?: readonly string[];
  /** Time for one try, in milliseconds (c-ares doubles it on each retry). Default 5000. */
  readonly timeoutMs?: number;
  /** Tries per server before giving up. Default 2. */
  readonly tries?: number;
}

/** c-ares error codes that mean "this name definitively has nothing". */
const NXDOMAIN = new Set(['ENOTFOUND']);
const NODATA = new Set(['ENODATA']);
/** c-ares error codes mapped to a temporary reason; anything else is `error`. */
const TEMPORARY: Record<string, TemporaryReason> = {
  ESERVFAIL: 'servfail',
  EREFUSED: 'refused',
  ETIMEOUT: 'timeout',
  ECONNREFUSED: 'unreachable',
};

/** A resolver that asks real DNS servers through c-ares. */
export class NodeResolver implements Resolver {
  readonly #cares: CaresResolver;

  constructor(options: NodeResolverOptions = {}) {
    this.#cares = new CaresResolver({ timeout: options.timeoutMs ?? 5000, tries: options.tries ?? 2 });
    if (options.servers !== undefined && options.servers.length > 0) {
      this.#cares.setServers([...options.servers]);
    }
  }

  /** The servers in use, as c-ares reports them. */
  servers(): string[] {
    return this.#cares.getServers();
  }

  /** Cancels every outstanding query (they resolve as temporary failures). */
  cancel(): void {
    this.#cares.cancel();
  }

  mx(name: string): Promise<DnsAnswer<MxRecord>> {
    return this.#ask(name, 'MX', async () =>
      (await this.#cares.resolveMx(name)).map((r) => ({
        preference: r.priority,
        exchange: r.exchange.toLowerCase().replace(/\.$/, ''),
      })),
    );
  }

  a(name: string): Promise<DnsAnswer<string>> {
    return this.#ask(name, 'A', () => this.#cares.resolve4(name));
  }

  aaaa(name: string): Promise<DnsAnswer<string>> {
    return this.#ask(name, 'AAAA', () => this.#cares.resolve6(name));
  }

  txt(name: string): Promise<DnsAnswer<TxtRecord>> {
    return this.#ask(name, 'TXT', () => this.#cares.resolveTxt(name));
  }

  ptr(ip: string): Promise<DnsAnswer<string>> {
    return this.#ask(ip, 'PTR', async () =>
      (await this.#cares.reverse(ip)).map((n) => n.toLowerCase().replace(/\.$/, '')),
    );
  }

  async #ask<T>(name: string, type: string, query: () => Promise<T[]>): Promise<DnsAnswer<T>> {
    try {
      const records = await query();
      // An empty list is NODATA in all but name (c-ares normally reports it as ENODATA).
      return records.length > 0 ? { kind: 'found', records } : { kind: 'nodata' };
    } catch (err) {
      return classify(err, `${type} ${name}`);
    }
  }
}

/** Maps a c-ares error to an answer. Exported for tests. */
export function classify(err: unknown, what: string): DnsAnswer<never> {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && NXDOMAIN.has(code)) return { kind: 'nxdomain' };
  if (typeof code === 'string' && NODATA.has(code)) return { kind: 'nodata' };
  const reason = (typeof code === 'string' ? TEMPORARY[code] : undefined) ?? 'error';
  const detail = typeof code === 'string' ? `${code} for ${what}` : `${String(err)} for ${what}`;
  return { kind: 'temporary', reason, detail };
}
