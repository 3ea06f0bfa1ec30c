/**
 * The SEARCH keys (RFC 9051 §6.4.4 and §9 `search-key`), with RFC 3501's RECENT, NEW and OLD
 * and RFC 7162 §3.1.5 MODSEQ, turned into a typed tree. Shorthands are expanded where the RFC
 * defines them by others: NEW is RECENT and UNSEEN, OLD is NOT RECENT; FROM, TO, CC, BCC and
 * SUBJECT are header searches. Text is kept as the octets sent (see `SearchCommand.charset`).
 */

import type { Cursor } from './cursor.ts';
import { date, type ImapDate } from './date.ts';
import { type SequenceSet, sequenceSet } from './sequence.ts';

/** The flags SEARCH names by keyword (ANSWERED / UNANSWERED…). */
export type SearchFlag = '\\Answered' | '\\Deleted' | '\\Draft' | '\\Flagged' | '\\Seen';

/** A search key (RFC 9051 §6.4.4). Text values are the octets sent. */
export type SearchKey =
  | { readonly type: 'all' }
  /** ANSWERED, DELETED, DRAFT, FLAGGED, SEEN (`set: true`) and their UN- forms (`set: false`). */
  | { readonly type: 'flag'; readonly flag: SearchFlag; readonly set: boolean }
  /** KEYWORD (`set: true`) and UNKEYWORD (`set: false`). */
  | { readonly type: 'keyword'; readonly keyword: string; readonly set: boolean }
  /** RECENT (`set: true`) and OLD (`set: false`), RFC 3501. */
  | { readonly type: 'recent'; readonly set: boolean }
  /** HEADER field value, and FROM, TO, CC, BCC, SUBJECT; `field` is lower case. */
  | { readonly type: 'header'; readonly field: string; readonly value: Buffer }
  | { readonly type: 'body'; readonly value: Buffer }
  | { readonly type: 'text'; readonly value: Buffer }
  /** BEFORE, ON, SINCE (internal date) and SENTBEFORE, SENTON, SENTSINCE (Date header). */
  | {
      readonly type: 'date';
      readonly field: 'internal' | 'sent';
      readonly op: 'before' | 'on' | 'since';
      readonly date: ImapDate;
    }
  /** LARGER and SMALLER (RFC822.SIZE). */
  | { readonly type: 'size'; readonly op: 'larger' | 'smaller'; readonly size: number }
  /** A bare sequence set: message sequence numbers. */
  | { readonly type: 'seq'; readonly set: SequenceSet }
  | { readonly type: 'uid'; readonly set: SequenceSet }
  /** RFC 7162 §3.1.5 MODSEQ [entry-name entry-type-req] mod-sequence-valzer. */
  | {
      readonly type: 'modseq';
      readonly modSeq: bigint;
      readonly entry: { readonly name: string; readonly type: 'priv' | 'shared' | 'all' } | null;
    }
  | { readonly type: 'not'; readonly key: SearchKey }
  | { readonly type: 'or'; readonly left: SearchKey; readonly right: SearchKey }
  | { readonly type: 'and'; readonly keys: readonly SearchKey[] };

const FLAG_KEYS: ReadonlyMap<string, { flag: SearchFlag; set: boolean }> = new Map([
  ['ANSWERED', { flag: '\\Answered', set: true }],
  ['DELETED', { flag: '\\Deleted', set: true }],
  ['DRAFT', { flag: '\\Draft', set: true }],
  ['FLAGGED', { flag: '\\Flagged', set: true }],
  ['SEEN', { flag: '\\Seen', set: true }],
  ['UNANSWERED', { flag: '\\Answered', set: false }],
  ['UNDELETED', { flag: '\\Deleted', set: false }],
  ['UNDRAFT', { flag: '\\Draft', set: false }],
  ['UNFLAGGED', { flag: '\\Flagged', set: false }],
  ['UNSEEN', { flag: '\\Seen', set: false }],
]);

const HEADER_KEYS = new Set(['FROM', 'TO', 'CC', 'BCC', 'SUBJECT']);

const DATE_KEYS: ReadonlyMap<string, { field: 'internal' | 'sent'; op: 'before' | 'on' | 'since' }> = new Map(
  [
    ['BEFORE', { field: 'internal', op: 'before' }],
    ['ON', { field: 'internal', op: 'on' }],
    ['SINCE', { field: 'internal', op: 'since' }],
    ['SENTBEFORE', { field: 'sent', op: 'before' }],
    ['SENTON', { field: 'sent', op: 'on' }],
    ['SENTSINCE', { field: 'sent', op: 'since' }],
  ],
);

// RFC 5322 §3.6.8 field-name = 1*ftext, ftext = %d33-57 / %d59-126
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

/** RFC 9051 §9 `header-fld-name = astring`, checked to be an RFC 5322 field name. */
export function headerFieldName(c: Cursor): string {
  const name = c.astring('a header field name').toString('latin1');
  if (!FIELD_NAME.test(name)) c.fail('Invalid header field name');
  return name;
}

const KEY_NAME = /[A-Za-z]+/y;
const SEQ_START = /[0-9*$]/;

/** RFC 7162 §7 `entry-flag-name = DQUOTE "/flags/" attr-flag DQUOTE`, `entry-type-req`. */
function modseqEntry(c: Cursor): { name: string; type: 'priv' | 'shared' | 'all' } {
  const name = c.utf8(c.quoted(), 'MODSEQ entry name');
  if (!/^\/flags\/\\?[^\s\\]+$/i.test(name)) c.fail('Invalid MODSEQ entry name');
  c.SP();
  const type = c.atom('an entry type').toLowerCase();
  if (type !== 'priv' && type !== 'shared' && type !== 'all') c.fail('Invalid MODSEQ entry type');
  return { name, type };
}

/** The key named `name` (upper case), its arguments read from `c`. */
function namedKey(c: Cursor, name: string): SearchKey {
  const flag = FLAG_KEYS.get(name);
  if (flag !== undefined) return { type: 'flag', ...flag };
  const dated = DATE_KEYS.get(name);
  if (dated !== undefined) {
    c.SP();
    return { type: 'date', ...dated, date: date(c) };
  }
  if (HEADER_KEYS.has(name)) {
    c.SP();
    return { type: 'header', field: name.toLowerCase(), value: c.astring() };
  }
  switch (name) {
    case 'ALL':
      return { type: 'all' };
    case 'RECENT':
      return { type: 'recent', set: true };
    case 'OLD':
      return { type: 'recent', set: false };
    case 'NEW':
      return {
        type: 'and',
        keys: [
          { type: 'recent', set: true },
          { type: 'flag', flag: '\\Seen', set: false },
        ],
      };
    case 'KEYWORD':
    case 'UNKEYWORD':
      c.SP();
      return { type: 'keyword', keyword: c.atom('a keyword'), set: name === 'KEYWORD' };
    case 'BODY':
    case 'TEXT':
      c.SP();
      return { type: name === 'BODY' ? 'body' : 'text', value: c.astring() };
    case 'HEADER': {
      c.SP();
      const field = headerFieldName(c).toLowerCase();
      c.SP();
      return { type: 'header', field, value: c.astring() };
    }
    case 'LARGER':
    case 'SMALLER':
      c.SP();
      return { type: 'size', op: name === 'LARGER' ? 'larger' : 'smaller', size: c.number64('a size') };
    case 'UID':
      c.SP();
      return { type: 'uid', set: sequenceSet(c) };
    case 'MODSEQ': {
      c.SP();
      const entry = c.peek() === '"' ? modseqEntry(c) : null;
      if (entry !== null) c.SP();
      return { type: 'modseq', modSeq: c.modSequence(true), entry };
    }
    case 'NOT':
      c.SP();
      return { type: 'not', key: searchKey(c) };
    case 'OR': {
      c.SP();
      const left = searchKey(c);
      c.SP();
      return { type: 'or', left, right: searchKey(c) };
    }
    default:
      c.fail(`Unknown search key ${name}`);
  }
}

/**
 * RFC 9051 §9 `search-key`: a named key, a sequence set, or `"(" search-key *(SP search-key)
 * ")"`. NOT, OR and parentheses count against the parser's depth limit.
 */
export function searchKey(c: Cursor): SearchKey {
  const ch = c.peek();
  if (ch !== undefined && SEQ_START.test(ch)) return { type: 'seq', set: sequenceSet(c) };
  if (ch === '(') {
    // c.list counts the parentheses against the depth limit.
    const keys = c.list(() => searchKey(c), false, 'search keys');
    return keys.length === 1 ? keys[0]! : { type: 'and', keys };
  }
  c.enter();
  const key = namedKey(c, c.match(KEY_NAME, 'a search key').toUpperCase());
  c.leave();
  return key;
}
