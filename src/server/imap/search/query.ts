/**
 * SEARCH keys (RFC 9051 §6.4.4) compiled for evaluation: text decoded from the command's charset
 * and folded, dates as day numbers, sequence sets with `*` resolved, and the keys of each AND and
 * OR ordered cheapest first, so that costly tests (the Date header, the text) run only on the
 * messages the cheap ones let through.
 */
import { FLAG_BITS } from '../../../proto/imap/fetch/flags-dates.ts';
import type { SearchKey, SequenceSet } from '../../../proto/imap/parse/index.ts';
import { dayOfDate } from './dates.ts';
import { decodeNeedle, fold } from './text.ts';

/** A compiled search key. Text needles are folded (`fold`). */
export type Query =
  | { readonly t: 'all' }
  | { readonly t: 'none' }
  | { readonly t: 'flag'; readonly bit: number; readonly set: boolean }
  | { readonly t: 'keyword'; readonly keyword: string; readonly set: boolean }
  /** HEADER, FROM, TO…; `raw` is the needle as decoded (NFC), for the full-text index. */
  | { readonly t: 'header'; readonly field: string; readonly needle: string; readonly raw: string }
  | { readonly t: 'body'; readonly needle: string; readonly raw: string }
  | { readonly t: 'text'; readonly needle: string; readonly raw: string }
  | {
      readonly t: 'date';
      readonly field: 'internal' | 'sent';
      readonly op: 'before' | 'on' | 'since';
      readonly day: number;
    }
  | { readonly t: 'size'; readonly op: 'larger' | 'smaller'; readonly size: number }
  /** RFC 7162 §3.1.5: MODSEQ at least `min`. */
  | { readonly t: 'modseq'; readonly min: number }
  /** Message sequence numbers (`by: 'seq'`) or UIDs in inclusive ranges, sorted and disjoint. */
  | {
      readonly t: 'range';
      readonly by: 'seq' | 'uid';
      readonly ranges: readonly (readonly [number, number])[];
    }
  /** `$`: the saved result (RFC 5182), as UIDs. */
  | { readonly t: 'saved' }
  | { readonly t: 'not'; readonly q: Query }
  | { readonly t: 'or'; readonly a: Query; readonly b: Query }
  | { readonly t: 'and'; readonly qs: readonly Query[] };

/** What the compiler needs to know about the mailbox. */
export interface CompileContext {
  /** The command's CHARSET, or null. */
  charset: string | null;
  /** The number of messages (`*` in sequence numbers). */
  count: number;
  /** The largest UID (`*` in UID sets), 0 when empty. */
  maxUid: number;
}

export type CompileResult = { ok: true; query: Query } | { ok: false; reason: 'badcharset' };

class Refused extends Error {
  readonly reason: 'badcharset';
  constructor(reason: 'badcharset') {
    super(reason);
    this.reason = reason;
  }
}

/** Compiles `key`; refuses unknown charsets. */
export function compileSearch(key: SearchKey, ctx: CompileContext): CompileResult {
  try {
    return { ok: true, query: compile(key, ctx) };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, reason: err.reason };
    throw err;
  }
}

function needle(value: Buffer, ctx: CompileContext): { needle: string; raw: string } {
  const text = decodeNeedle(value, ctx.charset);
  if (text === undefined) throw new Refused('badcharset');
  return { needle: fold(text), raw: text.normalize('NFC') };
}

function ranges(set: SequenceSet, max: number, by: 'seq' | 'uid'): Query {
  if (set.kind === 'saved') return { t: 'saved' };
  const sorted = set.ranges
    .map((r): [number, number] => {
      const from = r.from === '*' ? max : r.from;
      const to = r.to === '*' ? max : r.to;
      return from <= to ? [from, to] : [to, from];
    })
    .sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const range of sorted) {
    const last = merged.at(-1);
    if (last && range[0] <= last[1] + 1) last[1] = Math.max(last[1], range[1]);
    else merged.push(range);
  }
  return { t: 'range', by, ranges: merged };
}

/** True when `n` lies in one of the sorted, disjoint `ranges` (binary search). */
export function inRanges(ranges: readonly (readonly [number, number])[], n: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [from, to] = ranges[mid]!;
    if (n < from) hi = mid - 1;
    else if (n > to) lo = mid + 1;
    else return true;
  }
  return false;
}

function compile(key: SearchKey, ctx: CompileContext): Query {
  switch (key.type) {
    case 'all':
      return { t: 'all' };
    case 'flag':
      return { t: 'flag', bit: FLAG_BITS[key.flag], set: key.set };
    case 'keyword':
      return { t: 'keyword', keyword: key.keyword.toLowerCase(), set: key.set };
    case 'recent':
      // Loft keeps no \Recent flag (IMAP4rev2 has none): no message is recent, all are old.
      return key.set ? { t: 'none' } : { t: 'all' };
    case 'header':
      return { t: 'header', field: key.field, ...needle(key.value, ctx) };
    case 'body':
      return { t: 'body', ...needle(key.value, ctx) };
    case 'text':
      return { t: 'text', ...needle(key.value, ctx) };
    case 'date':
      return { t: 'date', field: key.field, op: key.op, day: dayOfDate(key.date) };
    case 'size':
      return { t: 'size', op: key.op, size: key.size };
    case 'seq':
      return ranges(key.set, ctx.count, 'seq');
    case 'uid':
      return ranges(key.set, ctx.maxUid, 'uid');
    case 'modseq':
      // RFC 7162 §3.1.5: Loft keeps one MODSEQ per message, so the entry name and type (which
      // metadata item) select the same value: the message's MODSEQ.
      return { t: 'modseq', min: Number(key.modSeq) };
    case 'not':
      return { t: 'not', q: compile(key.key, ctx) };
    case 'or': {
      const a = compile(key.left, ctx);
      const b = compile(key.right, ctx);
      return cost(a) <= cost(b) ? { t: 'or', a, b } : { t: 'or', a: b, b: a };
    }
    case 'and': {
      const qs = key.keys.map((k) => compile(k, ctx));
      qs.sort((x, y) => cost(x) - cost(y));
      return qs.length === 1 ? qs[0]! : { t: 'and', qs };
    }
  }
}

/**
 * What evaluating a query costs per message: 0 needs nothing but the sequence number and UID, 1
 * the index row, 2 the stored structure (the Date header), 3 the message text.
 */
export function cost(q: Query): number {
  switch (q.t) {
    case 'all':
    case 'none':
    case 'range':
    case 'saved':
      return 0;
    case 'flag':
    case 'keyword':
    case 'size':
    case 'modseq':
      return 1;
    case 'date':
      return q.field === 'sent' ? 2 : 1;
    case 'header':
    case 'body':
    case 'text':
      return 3;
    case 'not':
      return cost(q.q);
    case 'or':
      return Math.max(cost(q.a), cost(q.b));
    case 'and':
      return q.qs.reduce((m, x) => Math.max(m, cost(x)), 0);
  }
}

/** True when the query has a MODSEQ key: the response then ends with the highest MODSEQ (RFC 7162 §3.1.5). */
export function usesModseq(q: Query): boolean {
  switch (q.t) {
    case 'modseq':
      return true;
    case 'not':
      return usesModseq(q.q);
    case 'or':
      return usesModseq(q.a) || usesModseq(q.b);
    case 'and':
      return q.qs.some(usesModseq);
    default:
      return false;
  }
}
