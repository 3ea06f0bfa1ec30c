/**
 * The compact JSON form of a {@link MessageStructure}, stored beside each message. Property names
 * are shortened by the table below; everything else (arrays, parameter pairs, strings, numbers) is
 * kept as it is, and absent members stay absent.
 *
 * | long | short | long | short | long | short |
 * |---|---|---|---|---|---|
 * | version | v | size | z | limited | x |
 * | envelope | ev | root | r | headerStart | h |
 * | bodyStart | b | bodyEnd | e | headerLines | hl |
 * | bodyLines | bl | type | t | subtype | st |
 * | params | p | id | i | description | d |
 * | encoding | c | md5 | m | disposition | dp |
 * | language | la | location | lo | boundary | bd |
 * | children | ch | message | mg | date | dt |
 * | time | tm | subject | sj | from | f |
 * | sender | sd | replyTo | rp | to | to |
 * | cc | cc | bcc | bc | inReplyTo | ir |
 * | messageId | mi | name | n | route | ro |
 * | mailbox | mb | host | ho | group | g |
 * | members | gm | | | | |
 */

import type { MessageStructure } from './types.ts';

const SHORT: Readonly<Record<string, string>> = {
  version: 'v',
  size: 'z',
  limited: 'x',
  envelope: 'ev',
  root: 'r',
  headerStart: 'h',
  bodyStart: 'b',
  bodyEnd: 'e',
  headerLines: 'hl',
  bodyLines: 'bl',
  type: 't',
  subtype: 'st',
  params: 'p',
  id: 'i',
  description: 'd',
  encoding: 'c',
  md5: 'm',
  disposition: 'dp',
  language: 'la',
  location: 'lo',
  boundary: 'bd',
  children: 'ch',
  message: 'mg',
  date: 'dt',
  time: 'tm',
  subject: 'sj',
  from: 'f',
  sender: 'sd',
  replyTo: 'rp',
  to: 'to',
  cc: 'cc',
  bcc: 'bc',
  inReplyTo: 'ir',
  messageId: 'mi',
  name: 'n',
  route: 'ro',
  mailbox: 'mb',
  host: 'ho',
  group: 'g',
  members: 'gm',
};

const LONG: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SHORT).map(([k, v]) => [v, k]),
);

/**
 * The compact JSON text of a structure. Throws only on a property the table does not know, which
 * is a programming error (the round-trip tests cover every property the indexer writes).
 */
export function encodeStructure(structure: MessageStructure): string {
  return JSON.stringify(rename(structure));
}

/**
 * Reads what {@link encodeStructure} wrote. Returns undefined, never throws, when the text is not
 * such JSON or is of another format version: the caller then indexes the raw message again.
 */
export function decodeStructure(json: string): MessageStructure | undefined {
  let data: unknown;
  try {
    data = expand(JSON.parse(json));
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const s = data as Partial<MessageStructure>;
  if (
    s.version !== 1 ||
    typeof s.size !== 'number' ||
    typeof s.root !== 'object' ||
    typeof s.envelope !== 'object'
  ) {
    return undefined;
  }
  return s as MessageStructure;
}

const LONG_KEYS: ReadonlyMap<string, string> = new Map(Object.entries(LONG));

/**
 * Gives the objects of freshly parsed JSON their long keys (arrays are reused in place, since
 * nothing else holds them); throws on a key the table does not know. The decoding twin of
 * {@link rename}, without the allocations of `Object.entries` (FETCH decodes one per message).
 */
function expand(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = expand(value[i]);
    return value;
  }
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key in source) {
    const renamed = LONG_KEYS.get(key);
    if (renamed === undefined) throw new Error(`unknown key ${key}`);
    out[renamed] = expand(source[key]);
  }
  return out;
}

const SHORT_KEYS: ReadonlyMap<string, string> = new Map(Object.entries(SHORT));

/**
 * Gives a structure's objects their short keys, leaving out undefined values; throws on a key the
 * table does not know. Keys are read with `for…in` and looked up in a Map: `Object.entries` and
 * its pair arrays cost more than the rest of the encoding (the delivery encodes one per message).
 */
function rename(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(rename);
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key in source) {
    if (!Object.hasOwn(source, key)) continue;
    const item = source[key];
    if (item === undefined) continue;
    const renamed = SHORT_KEYS.get(key);
    if (renamed === undefined) throw new Error(`unknown key ${key}`);
    out[renamed] = rename(item);
  }
  return out;
}
