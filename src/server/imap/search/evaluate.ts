/**
 * Running a compiled SEARCH over the messages a session knows (RFC 9051 §6.4.4). The full-text
 * index first narrows the messages that text keys can match (the index narrows, the match
 * confirms); then the messages are read in slices of index rows, so a mailbox of any size is
 * never loaded at once, and each key is tested exactly: flags, sizes and dates from the row, the
 * Date header from the stored structure, text from the decoded text kept at delivery (or
 * extracted again from the message when none was kept or it was cut short).
 */
import { decodeStructure, extractText, type MessageStructure } from '../../../mime/index.ts';
import { MIN_INDEXED_NEEDLE } from '../../../services/mailbox/mailbox.ts';
import type { MailboxAccess, MessageRecord } from '../services.ts';
import { compareDay, dayOfTime, sentDay } from './dates.ts';
import { cost, inRanges, type Query } from './query.ts';
import { FoldedText } from './text.ts';

/** The messages to search and where to read them. */
export interface SearchScope {
  access: MailboxAccess;
  mailboxId: number;
  /** The UIDs the client knows, by sequence number - 1 (ascending). */
  uids: readonly number[];
  /** The saved result `$` (RFC 5182), as UIDs. */
  saved: ReadonlySet<number>;
}

/** One matching message. */
export interface SearchHit {
  seq: number;
  uid: number;
}

const SLICE = 500;

/** The messages of `scope` that match `query`, in ascending order. */
export async function runSearch(scope: SearchScope, query: Query): Promise<SearchHit[]> {
  const candidates = await narrow(scope, query);
  const needsRow = cost(query) >= 1;
  const hits: SearchHit[] = [];
  for (let start = 0; start < scope.uids.length; start += SLICE) {
    const slice: SearchHit[] = [];
    const end = Math.min(start + SLICE, scope.uids.length);
    for (let i = start; i < end; i++) {
      const uid = scope.uids[i]!;
      if (candidates === null || candidates.has(uid)) slice.push({ seq: i + 1, uid });
    }
    if (slice.length === 0) continue;
    if (!needsRow) {
      for (const hit of slice) if (await matches(query, new Message(hit, undefined, scope))) hits.push(hit);
      continue;
    }
    const rows = await scope.access.messagesByUid(
      scope.mailboxId,
      slice.map((h) => h.uid),
    );
    const byUid = new Map(rows.map((row) => [row.uid, row]));
    for (const hit of slice) {
      const row = byUid.get(hit.uid);
      // Expunged by another session and not yet reported: it no longer matches anything.
      if (!row) continue;
      if (await matches(query, new Message(hit, row, scope))) hits.push(hit);
    }
  }
  return hits;
}

/**
 * The UIDs that can match `query` as far as the full-text index can tell, or null when it cannot
 * narrow. Only text keys narrow; AND intersects, OR unites when both sides narrow, NOT never does.
 */
export async function narrow(scope: SearchScope, q: Query): Promise<Set<number> | null> {
  switch (q.t) {
    case 'none':
      return new Set();
    case 'header':
    case 'body':
    case 'text': {
      if ([...q.raw].length < MIN_INDEXED_NEEDLE) return null;
      const field = q.t === 'header' ? 'headers' : q.t;
      return new Set(await scope.access.searchCandidates(scope.mailboxId, [{ field, needle: q.raw }]));
    }
    case 'and': {
      const sets: Set<number>[] = [];
      for (const sub of q.qs) {
        if (cost(sub) < 3) continue;
        const set = await narrow(scope, sub);
        if (set === null) continue;
        const first = sets[0];
        if (first === undefined) sets.push(set);
        else sets[0] = new Set([...first].filter((uid) => set.has(uid)));
        if (sets[0]!.size === 0) break;
      }
      return sets[0] ?? null;
    }
    case 'or': {
      const a = await narrow(scope, q.a);
      if (a === null) return null;
      const b = await narrow(scope, q.b);
      if (b === null) return null;
      for (const uid of b) a.add(uid);
      return a;
    }
    default:
      return null;
  }
}

/** One message under test, its structure and text loaded on first use. */
class Message {
  readonly seq: number;
  readonly uid: number;
  readonly #row: MessageRecord | undefined;
  readonly #scope: SearchScope;
  #structure: Promise<MessageStructure | undefined> | undefined;
  #text: Promise<FoldedText> | undefined;

  constructor(hit: SearchHit, row: MessageRecord | undefined, scope: SearchScope) {
    this.seq = hit.seq;
    this.uid = hit.uid;
    this.#row = row;
    this.#scope = scope;
  }

  /** The saved result `$` (RFC 5182), as UIDs. */
  get saved(): ReadonlySet<number> {
    return this.#scope.saved;
  }

  get row(): MessageRecord {
    if (!this.#row) throw new Error('search key needs the index row, which was not read');
    return this.#row;
  }

  structure(): Promise<MessageStructure | undefined> {
    this.#structure ??= this.#scope.access.structure(this.row).then(
      (text) => decodeStructure(text),
      () => undefined,
    );
    return this.#structure;
  }

  text(): Promise<FoldedText> {
    this.#text ??= this.#loadText();
    return this.#text;
  }

  async #loadText(): Promise<FoldedText> {
    const stored = await this.#scope.access.searchText(this.row);
    if (stored && !stored.truncated) return new FoldedText(stored);
    // Not indexed, or cut at the index's size limit: extract the whole text again.
    const structure = await this.structure();
    if (!structure) return new FoldedText(stored ?? { headers: '', body: '' });
    const raw = await this.#scope.access.read(this.row);
    return new FoldedText(extractText(raw, structure, { maxLength: Number.MAX_SAFE_INTEGER }));
  }
}

/** RFC 9051 §6.4.4: whether the message matches the key. */
async function matches(q: Query, m: Message): Promise<boolean> {
  switch (q.t) {
    case 'all':
      return true;
    case 'none':
      return false;
    case 'range':
      return inRanges(q.ranges, q.by === 'seq' ? m.seq : m.uid);
    case 'saved':
      return m.saved.has(m.uid);
    case 'flag':
      return ((m.row.flags & q.bit) !== 0) === q.set;
    case 'keyword':
      return m.row.keywords.some((k) => k.toLowerCase() === q.keyword) === q.set;
    case 'size':
      return q.op === 'larger' ? m.row.size > q.size : m.row.size < q.size;
    case 'modseq':
      return m.row.modseq >= q.min; // RFC 7162 §3.1.5: "greater than or equal"
    case 'date': {
      if (q.field === 'internal') return compareDay(dayOfTime(m.row.internalDate), q.op, q.day);
      const structure = await m.structure();
      const day = structure ? sentDay(structure.envelope, m.row.internalDate) : dayOfTime(m.row.internalDate);
      return compareDay(day, q.op, q.day);
    }
    case 'header':
      return (await m.text()).header(q.field, q.needle);
    case 'body':
      return (await m.text()).body.includes(q.needle);
    case 'text': {
      const text = await m.text();
      return text.headers.includes(q.needle) || text.body.includes(q.needle);
    }
    case 'not':
      return !(await matches(q.q, m));
    case 'or':
      return (await matches(q.a, m)) || (await matches(q.b, m));
    case 'and':
      for (const sub of q.qs) if (!(await matches(sub, m))) return false;
      return true;
  }
}
