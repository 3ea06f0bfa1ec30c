/**
 * FETCH (RFC 9051 §6.4.5; RFC 3501 §6.4.5 RFC822 items) with BINARY (RFC 3516 §4.2), PREVIEW
 * (RFC 8970 §3), CONDSTORE (RFC 7162 §3.1.4 MODSEQ item, CHANGEDSINCE) and QRESYNC (RFC 7162
 * §3.2.6 VANISHED).
 */

import type { Cursor } from './cursor.ts';
import { type FetchPartial, partial, type SectionSpec, section, sectionBinary } from './section.ts';
import { type SequenceSet, sequenceSet } from './sequence.ts';

export type { FetchPartial, SectionKind, SectionSpec } from './section.ts';

/** The FETCH items that take no argument. */
export type SimpleFetchItem =
  | 'ENVELOPE'
  | 'FLAGS'
  | 'INTERNALDATE'
  | 'RFC822.SIZE'
  | 'BODY'
  | 'BODYSTRUCTURE'
  | 'UID'
  | 'MODSEQ'
  | 'RFC822'
  | 'RFC822.HEADER'
  | 'RFC822.TEXT';

/** One FETCH data item asked for. */
export type FetchItem =
  | { readonly type: SimpleFetchItem }
  /** `BODY[section]<partial>` and `BODY.PEEK[…]` (`peek`: do not set \Seen). */
  | {
      readonly type: 'BODY[]';
      readonly peek: boolean;
      readonly section: SectionSpec;
      readonly partial: FetchPartial | null;
    }
  /** `BINARY[part]<partial>` and `BINARY.PEEK[…]` (RFC 3516). */
  | {
      readonly type: 'BINARY';
      readonly peek: boolean;
      readonly part: readonly number[];
      readonly partial: FetchPartial | null;
    }
  /** `BINARY.SIZE[part]` (RFC 3516). */
  | { readonly type: 'BINARY.SIZE'; readonly part: readonly number[] }
  /** `PREVIEW` or `PREVIEW (LAZY)` (RFC 8970). */
  | { readonly type: 'PREVIEW'; readonly lazy: boolean };

/** `[UID] FETCH set items [(CHANGEDSINCE n [VANISHED])]`. */
export interface FetchCommand {
  readonly name: 'FETCH';
  readonly uid: boolean;
  readonly set: SequenceSet;
  /** The items, with a macro expanded (RFC 9051 §6.4.5: ALL, FAST, FULL). */
  readonly items: readonly FetchItem[];
  /** The macro used, or null. */
  readonly macro: 'ALL' | 'FAST' | 'FULL' | null;
  /** RFC 7162 §3.1.4.1 CHANGEDSINCE, or null. */
  readonly changedSince: bigint | null;
  /** RFC 7162 §3.2.6 VANISHED (UID FETCH with CHANGEDSINCE only). */
  readonly vanished: boolean;
}

const SIMPLE: ReadonlySet<string> = new Set<SimpleFetchItem>([
  'ENVELOPE',
  'FLAGS',
  'INTERNALDATE',
  'RFC822.SIZE',
  'BODY',
  'BODYSTRUCTURE',
  'UID',
  'MODSEQ',
  'RFC822',
  'RFC822.HEADER',
  'RFC822.TEXT',
]);

const MACROS: ReadonlyMap<string, readonly SimpleFetchItem[]> = new Map([
  ['ALL', ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE']],
  ['FAST', ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE']],
  ['FULL', ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY']],
]);

const ITEM_NAME = /[A-Za-z0-9.]+/y;
const LAZY = /^ +\(LAZY[ )]/i;

/** RFC 8970 §7 `"PREVIEW" [SP "(" preview-mod *(SP preview-mod) ")"]`, `preview-mod = "LAZY"`. */
function previewMods(c: Cursor): boolean {
  // A parenthesis after PREVIEW may also open the FETCH modifiers: only LAZY is taken here.
  if (!LAZY.test(c.peekText(64))) return false;
  c.SP();
  c.list(() => c.expect('LAZY', 'LAZY'), false, 'PREVIEW modifiers');
  return true;
}

/** RFC 9051 §9 `fetch-att`, with the RFC 3516, RFC 7162 and RFC 8970 additions. */
function fetchAtt(c: Cursor): FetchItem {
  const name = c.match(ITEM_NAME, 'a FETCH item').toUpperCase();
  if (name === 'BODY' && c.peek() === '[') {
    return { type: 'BODY[]', peek: false, section: section(c), partial: partial(c) };
  }
  if (SIMPLE.has(name)) return { type: name as SimpleFetchItem };
  switch (name) {
    case 'BODY.PEEK':
      return { type: 'BODY[]', peek: true, section: section(c), partial: partial(c) };
    case 'BINARY':
    case 'BINARY.PEEK':
      return { type: 'BINARY', peek: name === 'BINARY.PEEK', part: sectionBinary(c), partial: partial(c) };
    case 'BINARY.SIZE':
      return { type: 'BINARY.SIZE', part: sectionBinary(c) };
    case 'PREVIEW':
      return { type: 'PREVIEW', lazy: previewMods(c) };
    default:
      c.fail(`Unknown FETCH item ${name}`);
  }
}

/**
 * RFC 7162 §7 `fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")"`,
 * `chgsince-fetch-mod = "CHANGEDSINCE" SP mod-sequence-value`, `"VANISHED"`. VANISHED needs
 * UID FETCH and CHANGEDSINCE (RFC 7162 §3.2.6: otherwise BAD).
 */
function fetchModifiers(c: Cursor, uid: boolean): { changedSince: bigint | null; vanished: boolean } {
  let changedSince: bigint | null = null;
  let vanished = false;
  c.list(
    () => {
      const mod = c.atom('a FETCH modifier').toUpperCase();
      if (mod === 'CHANGEDSINCE') {
        c.SP();
        changedSince = c.modSequence(false);
      } else if (mod === 'VANISHED') {
        vanished = true;
      } else {
        c.fail(`Unknown FETCH modifier ${mod}`);
      }
    },
    false,
    'FETCH modifiers',
  );
  if (vanished && (!uid || changedSince === null)) c.fail('VANISHED needs UID FETCH and CHANGEDSINCE');
  return { changedSince, vanished };
}

/**
 * RFC 9051 §9 `fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
 * "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]`.
 */
export function parseFetch(uid: boolean): (c: Cursor) => FetchCommand {
  return (c) => {
    c.SP();
    const set = sequenceSet(c);
    c.SP();
    let items: FetchItem[];
    let macro: FetchCommand['macro'] = null;
    if (c.peek() === '(') {
      items = c.list(() => fetchAtt(c), false, 'FETCH items');
    } else {
      const save = c.tryMatch(/(?:ALL|FAST|FULL)(?![A-Za-z0-9.[])/iy);
      if (save !== undefined) {
        macro = save.toUpperCase() as 'ALL' | 'FAST' | 'FULL';
        items = MACROS.get(macro)!.map((type) => ({ type }));
      } else {
        items = [fetchAtt(c)];
      }
    }
    let mods: { changedSince: bigint | null; vanished: boolean } = { changedSince: null, vanished: false };
    if (c.moreArgs()) {
      c.SP();
      mods = fetchModifiers(c, uid);
    }
    c.end();
    return { name: 'FETCH', uid, set, items, macro, ...mods };
  };
}
