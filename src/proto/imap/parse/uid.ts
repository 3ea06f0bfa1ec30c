/**
 * The UID prefix (RFC 9051 §6.4.9): `UID COPY / MOVE / FETCH / SEARCH / STORE / EXPUNGE`, the
 * same commands with unique identifiers instead of message sequence numbers. They parse to the
 * same command types with `uid: true`.
 */

import { parseCopyMove } from './copy-move.ts';
import type { Cursor } from './cursor.ts';
import { parseExpunge } from './expunge.ts';
import { parseFetch } from './fetch.ts';
import { parseSearch } from './search.ts';
import { parseSort } from './sort.ts';
import { parseStore } from './store.ts';

/** The commands UID may prefix. */
export type UidCommand =
  | ReturnType<ReturnType<typeof parseCopyMove>>
  | ReturnType<ReturnType<typeof parseExpunge>>
  | ReturnType<ReturnType<typeof parseFetch>>
  | ReturnType<ReturnType<typeof parseSearch>>
  | ReturnType<ReturnType<typeof parseSort>>
  | ReturnType<ReturnType<typeof parseStore>>;

const UID_COMMANDS: ReadonlyMap<string, (c: Cursor) => UidCommand> = new Map<
  string,
  (c: Cursor) => UidCommand
>([
  ['COPY', parseCopyMove('COPY', true)],
  ['MOVE', parseCopyMove('MOVE', true)],
  ['FETCH', parseFetch(true)],
  ['SEARCH', parseSearch(true)],
  ['SORT', parseSort(true)],
  ['STORE', parseStore(true)],
  ['EXPUNGE', parseExpunge(true)],
]);

/**
 * RFC 9051 §9 `uid = "UID" SP (copy / move / fetch / search / store / uid-expunge)`, and
 * `UID SORT` (RFC 5256 §4).
 */
export function parseUid(c: Cursor): UidCommand {
  c.SP();
  const name = c.atom('a command after UID').toUpperCase();
  const parse = UID_COMMANDS.get(name);
  if (parse === undefined) c.fail(`Unknown UID command ${name}`);
  return parse(c);
}
