/** STORE (RFC 9051 §6.4.6) with CONDSTORE's UNCHANGEDSINCE (RFC 7162 §3.1.3). */

import type { Cursor } from './cursor.ts';
import { flag, flagList } from './flags.ts';
import { type SequenceSet, sequenceSet } from './sequence.ts';

/** `[UID] STORE set [(UNCHANGEDSINCE n)] [+|-]FLAGS[.SILENT] flags`. */
export interface StoreCommand {
  readonly name: 'STORE';
  readonly uid: boolean;
  readonly set: SequenceSet;
  /** `FLAGS` replaces, `+FLAGS` adds, `-FLAGS` removes. */
  readonly action: 'replace' | 'add' | 'remove';
  /** `.SILENT`: no untagged FETCH for the changes (RFC 9051 §6.4.6). */
  readonly silent: boolean;
  readonly flags: readonly string[];
  /** RFC 7162 §3.1.3 UNCHANGEDSINCE, or null. */
  readonly unchangedSince: bigint | null;
}

const STORE_ATT = /([+-]?)FLAGS(\.SILENT)?(?![A-Za-z0-9.])/iy;

/**
 * RFC 9051 §9 `store = "STORE" SP sequence-set SP store-att-flags`, with RFC 7162 §7
 * `store-modifiers = SP "(" store-modifier *(SP store-modifier) ")"`,
 * `store-modifier =/ "UNCHANGEDSINCE" SP mod-sequence-valzer`;
 * `store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))`.
 */
export function parseStore(uid: boolean): (c: Cursor) => StoreCommand {
  return (c) => {
    c.SP();
    const set = sequenceSet(c);
    c.SP();
    let unchangedSince: bigint | null = null;
    if (c.peek() === '(') {
      c.list(
        () => {
          const mod = c.atom('a STORE modifier').toUpperCase();
          if (mod !== 'UNCHANGEDSINCE') c.fail(`Unknown STORE modifier ${mod}`);
          // RFC 7162 §7: "Only a single UNCHANGEDSINCE may be specified in a STORE operation."
          if (unchangedSince !== null) c.fail('UNCHANGEDSINCE given twice');
          c.SP();
          unchangedSince = c.modSequence(true);
        },
        false,
        'STORE modifiers',
      );
      c.SP();
    }
    const att = c.match(STORE_ATT, '[+|-]FLAGS[.SILENT]');
    const m = /^([+-]?)FLAGS(\.SILENT)?$/i.exec(att)!;
    const action = m[1] === '+' ? 'add' : m[1] === '-' ? 'remove' : 'replace';
    c.SP();
    let flags: string[];
    if (c.peek() === '(') {
      flags = flagList(c);
    } else {
      flags = [flag(c)];
      while (c.moreArgs()) {
        c.SP();
        flags.push(flag(c));
      }
    }
    c.end();
    return { name: 'STORE', uid, set, action, silent: m[2] !== undefined, flags, unchangedSince };
  };
}
