/**
 * A DNS server for tests, on 127.0.0.1 (UDP and TCP on the same port, chosen by the system),
 * answering from a plain object as a recursive resolver would: CNAMEs followed within the test
 * zones, NXDOMAIN for unknown names in a zone, and chosen names failing with SERVFAIL, REFUSED or
 * no answer at all (a timeout for the client). Built with dns-packet.
 *
 * Guard: no test may reach the machine's DNS through it. A question for a name outside the test
 * zones is refused and recorded; {@link TestDnsServer.close} then rejects, failing the test.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';

/** A failure a name (or one of its types) answers with. `TIMEOUT` sends nothing back. */
export type DnsFailure = 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'TIMEOUT';

/** The records of one name; each type may instead be a failure for that type only. */
export interface NameRecords {
  MX?: readonly (readonly [number, string])[] | DnsFailure;
  A?: readonly string[] | DnsFailure;
  AAAA?: readonly string[] | DnsFailure;
  /** Each record is one string or its character-strings. */
  TXT?: readonly (string | readonly string[])[] | DnsFailure;
  PTR?: readonly string[] | DnsFailure;
  /** An alias: every type but CNAME is answered with this CNAME and the target's records. */
  CNAME?: string;
}

/** Names (lower case, no trailing dot) and what they answer. */
export type TestZones = Record<string, NameRecords | DnsFailure>;

export interface DnsServerOptions {
  /**
   * Zone apexes this server is authoritative for. Default: the last two labels of every name in
   * the zones (`mx.b.test` → `b.test`), and `in-addr.arpa` / `ip6.arpa` for PTR names.
   */
  readonly zones?: readonly string[];
  /** TTL of every record, in seconds. Default 0 (nothing cached between tests). */
  readonly ttl?: number;
}

export interface TestDnsServer {
  /** `127.0.0.1:PORT`, for `dns.servers` or `--dns`. */
  readonly address: string;
  readonly port: number;
  /** Every question asked, as `TYPE name`, in order. */
  readonly queries: string[];
  /** Questions for names outside the test zones (refused). */
  readonly strays: string[];
  /** Replaces the records (the zones are kept). */
  setRecords(records: TestZones): void;
  /** Stops the server; rejects when a question went outside the test zones. */
  close(): Promise<void>;
}

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
const UDP_LIMIT = 512;

/** The reverse-lookup name of an IPv4 address (RFC 1035 §3.5), for PTR records. */
export function reverseName(ipv4: string): string {
  return `${ipv4.split('.').reverse().join('.')}.in-addr.arpa`;
}

/** Starts a test DNS server serving `records`. */
export async function startDnsServer(
  records: TestZones,
  options: DnsServerOptions = {},
): Promise<TestDnsServer> {
  let current = lowerKeys(records);
  const zones = new Set(options.zones ?? defaultZones(current));
  const ttl = options.ttl ?? 0;
  const queries: string[] = [];
  const strays: string[] = [];

  function answer(query: dnsPacket.DecodedPacket, udp: boolean): Buffer | null {
    const question = query.questions?.[0];
    const base = {
      type: 'response' as const,
      id: query.id ?? 0,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
      questions: query.questions ?? [],
    };
    if (question === undefined) return dnsPacket.encode({ ...base, flags: base.flags | 1 });
    const name = question.name.toLowerCase().replace(/\.$/, '');
    queries.push(`${question.type} ${name}`);
    const result = resolve(name, question.type, 0);
    if (result === 'TIMEOUT') return null;
    if (result === 'STRAY') {
      strays.push(`${question.type} ${name}`);
      return dnsPacket.encode({ ...base, flags: base.flags | RCODE.REFUSED });
    }
    if (typeof result === 'string') return dnsPacket.encode({ ...base, flags: base.flags | RCODE[result] });
    const packet = dnsPacket.encode({
      ...base,
      flags: base.flags | dnsPacket.AUTHORITATIVE_ANSWER,
      answers: result,
    });
    if (udp && packet.length > UDP_LIMIT) {
      // RFC 1035 §4.2.1: too long for UDP, so truncated; the client asks again over TCP.
      return dnsPacket.encode({ ...base, flags: base.flags | dnsPacket.TRUNCATED_RESPONSE });
    }
    return packet;
  }

  function inZone(name: string): boolean {
    for (const zone of zones) if (name === zone || name.endsWith(`.${zone}`)) return true;
    return false;
  }

  /** The answers for `name`/`type`, a failure, or `STRAY` for a name outside the zones. */
  function resolve(name: string, type: string, depth: number): dnsPacket.Answer[] | DnsFailure | 'STRAY' {
    if (!inZone(name)) return 'STRAY';
    const entry = current[name];
    if (entry === undefined) return 'NXDOMAIN';
    if (typeof entry === 'string') return entry;
    if (entry.CNAME !== undefined && type !== 'CNAME') {
      const target = entry.CNAME.toLowerCase().replace(/\.$/, '');
      const alias: dnsPacket.Answer = { type: 'CNAME', name, ttl, data: target };
      if (depth > 8) return 'SERVFAIL';
      const rest = resolve(target, type, depth + 1);
      if (rest === 'NXDOMAIN') return [alias]; // the alias exists; its target does not
      if (!Array.isArray(rest)) return rest;
      return [alias, ...rest];
    }
    const data = entry[type as keyof NameRecords];
    if (data === undefined) return [];
    if (typeof data === 'string') return data as DnsFailure;
    return toAnswers(name, type, data as readonly unknown[], ttl);
  }

  const tcp = net.createServer((socket) => {
    let buffered = Buffer.alloc(0);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const length = buffered.readUInt16BE(0);
        const message = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        const reply = safeAnswer(message, false);
        if (reply !== null) {
          const framed = Buffer.alloc(2 + reply.length);
          framed.writeUInt16BE(reply.length, 0);
          reply.copy(framed, 2);
          socket.write(framed);
        }
      }
    });
  });
  function safeAnswer(message: Buffer, viaUdp: boolean): Buffer | null {
    try {
      return answer(dnsPacket.decode(message), viaUdp);
    } catch {
      return null; // a malformed question gets no answer
    }
  }
  const { udp, port } = await bindBoth(tcp);
  udp.on('message', (message, rinfo) => {
    const reply = safeAnswer(message, true);
    if (reply !== null) udp.send(reply, rinfo.port, rinfo.address);
  });
  return {
    address: `127.0.0.1:${port}`,
    port,
    queries,
    strays,
    setRecords(next) {
      current = lowerKeys(next);
    },
    async close() {
      await Promise.all([
        new Promise<void>((r) => udp.close(() => r())),
        new Promise<void>((r) => tcp.close(() => r())),
      ]);
      if (strays.length > 0) {
        throw new Error(
          `DNS questions outside the test zones (no test may use real DNS): ${strays.join(', ')}`,
        );
      }
    },
  };
}

function toAnswers(name: string, type: string, data: readonly unknown[], ttl: number): dnsPacket.Answer[] {
  return data.map((item): dnsPacket.Answer => {
    switch (type) {
      case 'MX': {
        const [preference, exchange] = item as readonly [number, string];
        return { type: 'MX', name, ttl, data: { preference, exchange } };
      }
      case 'TXT': {
        const chunks = typeof item === 'string' ? [item] : [...(item as string[])];
        return { type: 'TXT', name, ttl, data: chunks };
      }
      case 'A':
      case 'AAAA':
      case 'PTR':
        return { type, name, ttl, data: item as string };
      default:
        throw new Error(`test DNS server: unsupported type ${type}`);
    }
  });
}

function lowerKeys(records: TestZones): TestZones {
  return Object.fromEntries(Object.entries(records).map(([k, v]) => [k.toLowerCase().replace(/\.$/, ''), v]));
}

function defaultZones(records: TestZones): string[] {
  const out = new Set<string>();
  for (const name of Object.keys(records)) {
    if (name.endsWith('.in-addr.arpa')) out.add('in-addr.arpa');
    else if (name.endsWith('.ip6.arpa')) out.add('ip6.arpa');
    else out.add(name.split('.').slice(-2).join('.'));
  }
  return [...out];
}

/** Binds TCP on port 0, then UDP on the same port (retrying if that port is taken for UDP). */
async function bindBoth(tcp: net.Server): Promise<{ udp: dgram.Socket; port: number }> {
  for (let attempt = 0; ; attempt++) {
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (tcp.address() as net.AddressInfo).port;
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(port, '127.0.0.1', () => resolve());
      });
      return { udp, port };
    } catch (err) {
      udp.close();
      await new Promise<void>((r) => tcp.close(() => r()));
      if (attempt >= 10) throw err;
    }
  }
}
