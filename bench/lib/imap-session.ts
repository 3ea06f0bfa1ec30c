/**
 * The IMAP benchmark's timed, checked session on one connection: log in, then each operation of
 * the issue in turn, each timed from writing the command to reading its tagged OK, each answer
 * checked against the generated mailbox so a wrong answer cannot pass for a fast one:
 *
 * - `SELECT INBOX`: EXISTS is the mailbox's size;
 * - `UID FETCH 1:* (UID FLAGS)`: one FETCH per message, UIDs 1…N, the right number of \Seen;
 * - `FETCH 1:* (ENVELOPE BODYSTRUCTURE)`: one FETCH per message, each with both items;
 * - `UID SEARCH TEXT <rare word>`: exactly the UIDs of the messages holding the word;
 * - `UID FETCH <1,000 UIDs spread over the mailbox> BODY.PEEK[]`: 1,000 FETCH responses, each
 *   message with the octets it was generated with and its own Message-ID.
 */
import { ImapClient } from './imap-client.ts';
import { RARE_WORD } from './imap-messages.ts';
import { fetchFlags, fetchUid, type ImapResponse, searchNumbers } from './imap-responses.ts';

/** The operations, in the order a session runs them. */
export const IMAP_OPERATIONS = [
  'login',
  'select',
  'fetch-flags',
  'fetch-envelope',
  'search-text',
  'fetch-bodies',
] as const;
export type ImapOperation = (typeof IMAP_OPERATIONS)[number];

/** How each operation is shown in the table. */
export const OPERATION_LABELS: Record<ImapOperation, string> = {
  login: 'LOGIN',
  select: 'SELECT INBOX',
  'fetch-flags': 'UID FETCH 1:* (UID FLAGS)',
  'fetch-envelope': 'FETCH 1:* (ENVELOPE BODYSTRUCTURE)',
  'search-text': `UID SEARCH TEXT ${RARE_WORD}`,
  'fetch-bodies': 'UID FETCH <1,000 UIDs> BODY.PEEK[]',
};

/** What the session checks the answers against. */
export interface ExpectedMailbox {
  /** Octets of each message, by UID - 1. */
  sizes: Uint32Array;
  /** Messages with \Seen. */
  seen: number;
  /** UIDs of the messages holding the rare word, ascending. */
  rareUids: number[];
  /** The seed in every Message-ID (`<m<index>.<seed>@bench.test>`). */
  seed: number;
}

/** One operation's measurement. */
export interface OperationResult {
  operation: ImapOperation;
  ms: number;
  /** Untagged responses to the command. */
  responses: number;
  /** Octets received for the command. */
  octets: number;
  verified: boolean;
  error?: string;
}

/** The UIDs the whole-message fetch asks for: `count` spread evenly over 1…`messages`. */
export function spreadUids(messages: number, count: number): number[] {
  const n = Math.min(count, messages);
  const uids: number[] = [];
  for (let i = 0; i < n; i++) uids.push(1 + Math.floor((i * messages) / n));
  return uids;
}

export interface SessionOptions {
  port: number;
  user: string;
  password: string;
  expected: ExpectedMailbox;
  /** Messages the whole-message fetch asks for (default 1,000). */
  bodies?: number;
  /** Called before and after each operation (for the server's CPU time). */
  around?: (operation: ImapOperation, when: 'before' | 'after') => void;
  /** Log in and SELECT only, then LOGOUT (the extra samples of SELECT). */
  selectOnly?: boolean;
}

/**
 * Runs a whole session; never throws for a server's answer: a failed check is an operation
 * with `verified: false` and an error, and the session goes on where it can.
 */
export async function runImapSession(options: SessionOptions): Promise<OperationResult[]> {
  const { expected } = options;
  const messages = expected.sizes.length;
  const results: OperationResult[] = [];
  const connectStarted = process.hrtime.bigint();
  let client: ImapClient;
  try {
    client = await ImapClient.connect(options.port);
  } catch (err) {
    return [
      { operation: 'login', ms: 0, responses: 0, octets: 0, verified: false, error: (err as Error).message },
    ];
  }
  try {
    const timed = async (
      operation: ImapOperation,
      command: string,
      onUntagged: ((response: ImapResponse) => void) | undefined,
      check: (result: { responses: number; counts: Map<string, number> }) => string | undefined,
    ): Promise<boolean> => {
      const octets0 = client.octets;
      options.around?.(operation, 'before');
      const result = await client.command(command, { onUntagged });
      options.around?.(operation, 'after');
      const responses = result.counts.total;
      const error =
        result.status !== 'OK'
          ? `${command}: ${result.text}`
          : check({ responses, counts: result.counts.counts });
      results.push({
        operation,
        ms: result.ms,
        responses,
        octets: client.octets - octets0,
        verified: error === undefined,
        ...(error ? { error: `${OPERATION_LABELS[operation]}: ${error}` } : {}),
      });
      return error === undefined;
    };

    options.around?.('login', 'before');
    const login = await client.command(`LOGIN "${options.user}" "${options.password}"`);
    options.around?.('login', 'after');
    const loginMs = Number(process.hrtime.bigint() - connectStarted) / 1e6;
    const loginError = login.status === 'OK' ? undefined : `LOGIN: ${login.text}`;
    results.push({
      operation: 'login',
      ms: loginMs,
      responses: login.counts.total,
      octets: client.octets,
      verified: loginError === undefined,
      ...(loginError ? { error: loginError } : {}),
    });
    if (loginError) return results;

    let exists: number | undefined;
    const selected = await timed(
      'select',
      'SELECT INBOX',
      (r) => {
        const m = /^\* (\d+) EXISTS/i.exec(r.text);
        if (m) exists = Number(m[1]);
      },
      () => (exists === messages ? undefined : `EXISTS ${exists}, expected ${messages}`),
    );
    if (!selected) return results;
    if (options.selectOnly) {
      await client.logout();
      return results;
    }

    let uidSum = 0;
    let seen = 0;
    let withoutFlags = 0;
    await timed(
      'fetch-flags',
      'UID FETCH 1:* (UID FLAGS)',
      (r) => {
        uidSum += fetchUid(r.text) ?? 0;
        const flags = fetchFlags(r.text);
        if (!flags) withoutFlags += 1;
        else if (flags.some((f) => f.toLowerCase() === '\\seen')) seen += 1;
      },
      ({ counts }) => {
        const fetches = counts.get('FETCH') ?? 0;
        if (fetches !== messages) return `${fetches} FETCH responses, expected ${messages}`;
        if (uidSum !== (messages * (messages + 1)) / 2) return 'the UIDs are not 1…N';
        if (withoutFlags > 0) return `${withoutFlags} FETCH responses without FLAGS`;
        return seen === expected.seen ? undefined : `${seen} messages \\Seen, expected ${expected.seen}`;
      },
    );

    let incomplete = 0;
    await timed(
      'fetch-envelope',
      'FETCH 1:* (ENVELOPE BODYSTRUCTURE)',
      (r) => {
        if (!r.text.includes('ENVELOPE (') || !r.text.includes('BODYSTRUCTURE (')) incomplete += 1;
      },
      ({ counts }) => {
        const fetches = counts.get('FETCH') ?? 0;
        if (fetches !== messages) return `${fetches} FETCH responses, expected ${messages}`;
        return incomplete === 0 ? undefined : `${incomplete} responses without ENVELOPE and BODYSTRUCTURE`;
      },
    );

    let found: number[] | undefined;
    await timed(
      'search-text',
      `UID SEARCH TEXT ${RARE_WORD}`,
      (r) => {
        const numbers = searchNumbers(r.text);
        if (numbers) found = [...(found ?? []), ...numbers];
      },
      () => {
        const got = [...(found ?? [])].sort((a, b) => a - b).join(',');
        const want = expected.rareUids.join(',');
        return got === want ? undefined : `found UIDs [${got}], expected [${want}]`;
      },
    );

    const uids = spreadUids(messages, options.bodies ?? 1000);
    const wanted = new Set(uids);
    let wrong: string | undefined;
    let bodies = 0;
    await timed(
      'fetch-bodies',
      `UID FETCH ${uids.join(',')} BODY.PEEK[]`,
      (r) => {
        const uid = fetchUid(r.text);
        const body = r.literals[0];
        bodies += 1;
        if (uid === undefined || !wanted.has(uid) || !body) {
          wrong ??= `unexpected response ${r.text.slice(0, 80)}`;
          return;
        }
        wanted.delete(uid);
        if (body.length !== expected.sizes[uid - 1]) {
          wrong ??= `UID ${uid}: ${body.length} octets, expected ${expected.sizes[uid - 1]}`;
        } else if (!body.subarray(0, 512).includes(`<m${uid - 1}.${expected.seed}@bench.test>`)) {
          wrong ??= `UID ${uid}: not the message generated for it`;
        }
      },
      () => {
        if (wrong) return wrong;
        if (bodies !== uids.length) return `${bodies} messages, expected ${uids.length}`;
        return wanted.size === 0 ? undefined : `${wanted.size} messages missing`;
      },
    );
    await client.logout();
  } catch (err) {
    results.push({
      operation: IMAP_OPERATIONS[results.length] ?? 'fetch-bodies',
      ms: 0,
      responses: 0,
      octets: 0,
      verified: false,
      error: (err as Error).message,
    });
  } finally {
    client.destroy();
  }
  return results;
}
