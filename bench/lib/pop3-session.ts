/**
 * The benchmark's POP3 session, timed step by step: connect and log in (CAPA, USER, PASS), STAT,
 * UIDL, LIST, RETR of every message (pipelined or one at a time), QUIT without DELE so the
 * maildrop stays for the next run. Every answer is checked: STAT's count, one UIDL and one LIST
 * line per message, and each RETR's octets equal to LIST's size for that message.
 */
import { createHash } from 'node:crypto';
import { Pop3Client } from './pop3-client.ts';
import { parseListing, parseStat } from './pop3-responses.ts';

export interface Pop3SessionSpec {
  port: number;
  user: string;
  password: string;
  /** RETR commands outstanding at once; 1 sends each after the previous reply. */
  depth: number;
  /** When given, STAT must count exactly this many messages. */
  expectedMessages?: number;
  /** Gives up when a reply is awaited and nothing arrives for this long. */
  timeoutMs: number;
}

export interface Pop3SessionResult {
  /** The server announced PIPELINING (RFC 2449 §6.6) in CAPA. */
  pipelining: boolean;
  /** RETRs outstanding at once, as used (1 when the server does not announce PIPELINING). */
  depth: number;
  /** From the TCP connect to the "+OK" of PASS: greeting, CAPA, USER, PASS. */
  loginMs: number;
  statMs: number;
  uidlMs: number;
  listMs: number;
  /** From the first RETR sent to the last one's terminating line. */
  retrSeconds: number;
  quitMs: number;
  /** From the TCP connect to the "+OK" of QUIT. */
  sessionSeconds: number;
  statCount: number;
  statOctets: number;
  /** Messages retrieved with "+OK" and exactly LIST's octets. */
  messages: number;
  /** Octets of content retrieved (un-stuffed, CRLF included). */
  octets: number;
  /** SHA-256 over the sorted SHA-256s of every message: equal when two servers serve the same messages. */
  contentDigest: string;
  /** The first few problems; empty when every check passed. */
  errors: string[];
  verified: boolean;
}

const ms = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

/** The content digest of a maildrop from its messages' SHA-256s (hex), whatever their order. */
export function contentDigest(sha256s: readonly string[]): string {
  return createHash('sha256')
    .update([...sha256s].sort().join('\n'))
    .digest('hex');
}

/** The content digest a session retrieving exactly `messages` reports. */
export function maildropDigest(messages: readonly Buffer[]): string {
  return contentDigest(messages.map((m) => createHash('sha256').update(m).digest('hex')));
}

/** Runs one session; never throws for a server's failure (it is reported in `errors`). */
export async function runPop3Session(spec: Pop3SessionSpec): Promise<Pop3SessionResult> {
  const result: Pop3SessionResult = {
    pipelining: false,
    depth: spec.depth,
    loginMs: 0,
    statMs: 0,
    uidlMs: 0,
    listMs: 0,
    retrSeconds: 0,
    quitMs: 0,
    sessionSeconds: 0,
    statCount: 0,
    statOctets: 0,
    messages: 0,
    octets: 0,
    contentDigest: '',
    errors: [],
    verified: false,
  };
  const problem = (text: string): void => {
    if (result.errors.length < 5) result.errors.push(text);
    else if (result.errors.length === 5) result.errors.push('…');
  };
  const expectOk = (step: string, response: { ok: boolean; text: string }): void => {
    if (!response.ok) throw new Error(`${step}: -ERR ${response.text}`);
  };

  let client: Pop3Client | undefined;
  const sessionStart = process.hrtime.bigint();
  try {
    client = await Pop3Client.connect({ port: spec.port, timeoutMs: spec.timeoutMs });
    const capa = await client.lines('CAPA');
    result.pipelining = capa.ok && capa.lines.some((l) => /^PIPELINING$/i.test(l.trim()));
    if (!result.pipelining) result.depth = 1;
    expectOk('USER', await client.single(`USER ${spec.user}`));
    expectOk('PASS', await client.single(`PASS ${spec.password}`));
    result.loginMs = ms(sessionStart);

    let t = process.hrtime.bigint();
    const stat = await client.single('STAT');
    result.statMs = ms(t);
    expectOk('STAT', stat);
    const counts = parseStat(stat.text);
    if (!counts) throw new Error(`STAT: cannot read ${JSON.stringify(stat.text)}`);
    result.statCount = counts.count;
    result.statOctets = counts.octets;
    if (spec.expectedMessages !== undefined && counts.count !== spec.expectedMessages) {
      problem(`STAT counts ${counts.count} messages, expected ${spec.expectedMessages}`);
    }

    t = process.hrtime.bigint();
    const uidl = await client.lines('UIDL');
    result.uidlMs = ms(t);
    expectOk('UIDL', uidl);
    const ids = parseListing(uidl.lines);
    if (!ids.ok) throw new Error(`UIDL: ${ids.error}`);
    if (ids.values.size !== counts.count)
      problem(`UIDL lists ${ids.values.size} messages, STAT ${counts.count}`);
    if (new Set(ids.values.values()).size !== ids.values.size) problem('UIDL: unique-ids repeat');

    t = process.hrtime.bigint();
    const list = await client.lines('LIST');
    result.listMs = ms(t);
    expectOk('LIST', list);
    const listing = parseListing(list.lines);
    if (!listing.ok) throw new Error(`LIST: ${listing.error}`);
    const sizes = listing.values;
    if (sizes.size !== counts.count) problem(`LIST lists ${sizes.size} messages, STAT ${counts.count}`);
    let listed = 0;
    for (const size of sizes.values()) listed += Number(size);
    if (listed !== counts.octets)
      problem(`LIST sizes add up to ${listed} octets, STAT says ${counts.octets}`);

    const numbers = [...sizes.keys()];
    const digests: string[] = [];
    t = process.hrtime.bigint();
    await client.retrieveAll(numbers, result.depth, (n, response) => {
      if (!response.ok) {
        problem(`RETR ${n}: -ERR ${response.text}`);
        return;
      }
      result.octets += response.octets;
      digests.push(response.sha256);
      const listedSize = Number(sizes.get(n));
      if (response.octets === listedSize) result.messages += 1;
      else problem(`RETR ${n}: ${response.octets} octets, LIST says ${listedSize}`);
    });
    result.retrSeconds = ms(t) / 1000;
    result.contentDigest = contentDigest(digests);

    t = process.hrtime.bigint();
    expectOk('QUIT', await client.single('QUIT'));
    result.quitMs = ms(t);
    result.sessionSeconds = ms(sessionStart) / 1000;
  } catch (err) {
    problem((err as Error).message);
  } finally {
    client?.close();
  }
  result.verified =
    result.errors.length === 0 && result.messages === result.statCount && result.sessionSeconds > 0;
  return result;
}
