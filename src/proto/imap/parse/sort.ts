/**
 * SORT and UID SORT (RFC 5256 §4), with the DISPLAYFROM and DISPLAYTO keys (RFC 5957 §4) and
 * ESORT return options (RFC 5267 §3.2). The search program after the charset is SEARCH's
 * (`./search-key.ts`).
 */

import type { Cursor } from './cursor.ts';
import { charset, type SearchReturn, searchReturnOpts } from './search.ts';
import { type SearchKey, searchKey } from './search-key.ts';

/** RFC 5256 §4 `sort-key`, plus RFC 5957 `DISPLAYFROM` and `DISPLAYTO`. */
export type SortKeyName =
  | 'ARRIVAL'
  | 'CC'
  | 'DATE'
  | 'FROM'
  | 'SIZE'
  | 'SUBJECT'
  | 'TO'
  | 'DISPLAYFROM'
  | 'DISPLAYTO';

/** RFC 5256 §4 `sort-criterion = ["REVERSE" SP] sort-key`. */
export interface SortCriterion {
  readonly key: SortKeyName;
  readonly reverse: boolean;
}

/** `[UID] SORT [RETURN (…)] (criteria) charset key…`. */
export interface SortCommand {
  readonly name: 'SORT';
  readonly uid: boolean;
  /** The sort criteria, most significant first. */
  readonly criteria: readonly SortCriterion[];
  /** The charset as sent (SORT always names one, RFC 5256 §3). */
  readonly charset: string;
  /** The ESORT RETURN options (RFC 5267 §3.2), or null for a plain `* SORT` response. */
  readonly returns: SearchReturn | null;
  /** The search keys, combined as in SEARCH. */
  readonly key: SearchKey;
}

const SORT_KEYS: ReadonlySet<string> = new Set<SortKeyName>([
  'ARRIVAL',
  'CC',
  'DATE',
  'FROM',
  'SIZE',
  'SUBJECT',
  'TO',
  'DISPLAYFROM',
  'DISPLAYTO',
]);

/** RFC 5256 §4 `sort-criterion`. */
function sortCriterion(c: Cursor): SortCriterion {
  let word = c.atom('a sort key').toUpperCase();
  let reverse = false;
  if (word === 'REVERSE') {
    reverse = true;
    c.SP();
    word = c.atom('a sort key').toUpperCase();
  }
  if (!SORT_KEYS.has(word)) c.fail(`Unknown sort key ${word}`);
  return { key: word as SortKeyName, reverse };
}

/**
 * RFC 5256 §4 `sort = ["UID" SP] "SORT" SP sort-criteria SP search-criteria`,
 * `sort-criteria = "(" sort-criterion *(SP sort-criterion) ")"`,
 * `search-criteria = charset 1*(SP search-key)`; RFC 5267 §3.2 puts `[search-return-opts SP]`
 * before the criteria (`SORT RETURN (MIN) (DATE) UTF-8 ALL`).
 */
export function parseSort(uid: boolean): (c: Cursor) => SortCommand {
  return (c) => {
    c.SP();
    let returns: SearchReturn | null = null;
    if (c.lookingAt('RETURN ')) {
      c.expect('RETURN');
      c.SP();
      returns = searchReturnOpts(c);
      c.SP();
    }
    const criteria = c.list(() => sortCriterion(c), false, 'sort criteria');
    c.SP();
    const cs = charset(c);
    const keys: SearchKey[] = [];
    do {
      c.SP();
      keys.push(searchKey(c));
    } while (c.moreArgs());
    c.end();
    const key: SearchKey = keys.length === 1 ? keys[0]! : { type: 'and', keys };
    return { name: 'SORT', uid, criteria, charset: cs, returns, key };
  };
}
