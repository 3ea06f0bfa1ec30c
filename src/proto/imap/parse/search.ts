/**
 * SEARCH (RFC 9051 §6.4.4; RFC 3501 §6.4.4 keys RECENT, NEW, OLD) with ESEARCH return options
 * (RFC 4731 §3, RFC 4466 §2.6), SEARCHRES (RFC 5182: `SAVE`, `$`) and CONDSTORE's MODSEQ key
 * (RFC 7162 §3.1.5). The search keys are in `./search-key.ts`.
 */

import type { Cursor } from './cursor.ts';
import { type SearchKey, searchKey } from './search-key.ts';

export type { SearchKey } from './search-key.ts';

/** ESEARCH return options (RFC 4731 §3.1, RFC 5182 §2). */
export interface SearchReturn {
  readonly min: boolean;
  readonly max: boolean;
  readonly all: boolean;
  readonly count: boolean;
  readonly save: boolean;
}

/** `[UID] SEARCH [RETURN (…)] [CHARSET x] key…`. */
export interface SearchCommand {
  readonly name: 'SEARCH';
  readonly uid: boolean;
  /**
   * The CHARSET as sent, or null. Text in the keys is raw octets in this charset (US-ASCII or
   * UTF-8 when null); the session refuses charsets it cannot decode with `NO [BADCHARSET]`.
   */
  readonly charset: string | null;
  /**
   * The RETURN options, or null when absent (then an IMAP4rev1 client gets a plain SEARCH
   * response). `RETURN ()` means `RETURN (ALL)` (RFC 4731 §3.1).
   */
  readonly returns: SearchReturn | null;
  /** The keys, combined: one key as is, several in an `and` key. */
  readonly key: SearchKey;
}

const RETURN_OPTIONS = new Set(['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE']);

/**
 * RFC 4466 §2.6 `search-return-opts = SP "RETURN" SP "(" [search-return-opt
 * *(SP search-return-opt)] ")"`, with the options of RFC 4731 and RFC 5182. Unknown options are
 * BAD (RFC 4466 §2.6.1).
 */
export function searchReturnOpts(c: Cursor): SearchReturn {
  const opts = c.list(
    () => {
      const opt = c.atom('a SEARCH return option').toUpperCase();
      if (!RETURN_OPTIONS.has(opt)) c.fail(`Unknown SEARCH return option ${opt}`);
      return opt;
    },
    true,
    'SEARCH return options',
  );
  const has = new Set(opts);
  return {
    min: has.has('MIN'),
    max: has.has('MAX'),
    all: has.has('ALL') || opts.length === 0,
    count: has.has('COUNT'),
    save: has.has('SAVE'),
  };
}

const CHARSET_ATOM = /[^\x00-\x20\x7f-\xff(){%*"\\\]]+/y;

/** RFC 9051 §9 `charset = atom / quoted`. */
export function charset(c: Cursor): string {
  if (c.peek() === '"') return c.utf8(c.quoted(), 'Charset');
  return c.match(CHARSET_ATOM, 'a charset');
}

/**
 * RFC 9051 §9 `search = "SEARCH" [search-return-opts] SP search-program`,
 * `search-program = ["CHARSET" SP charset SP] search-key *(SP search-key)`.
 */
export function parseSearch(uid: boolean): (c: Cursor) => SearchCommand {
  return (c) => {
    c.SP();
    let returns: SearchReturn | null = null;
    if (c.lookingAt('RETURN ')) {
      c.expect('RETURN');
      c.SP();
      returns = searchReturnOpts(c);
      c.SP();
    }
    let cs: string | null = null;
    if (c.lookingAt('CHARSET ')) {
      c.expect('CHARSET');
      c.SP();
      cs = charset(c);
      c.SP();
    }
    const keys: SearchKey[] = [searchKey(c)];
    while (c.moreArgs()) {
      c.SP();
      keys.push(searchKey(c));
    }
    c.end();
    const key: SearchKey = keys.length === 1 ? keys[0]! : { type: 'and', keys };
    return { name: 'SEARCH', uid, charset: cs, returns, key };
  };
}
