/**
 * The full-text index in PostgreSQL: the decoded text of each blob in `search_docs`, with
 * pg_trgm GIN indexes, so `ILIKE '%needle%'` (a case-folded substring test) narrows IMAP SEARCH
 * BODY/TEXT/HEADER (RFC 9051 §6.4.4) to candidates that the session confirms with the exact test.
 */
import type { SearchBacklogItem, SearchText, TextNeedle } from '../store.ts';
import { indexable } from '../text-needles.ts';
import type { Queryable, Row } from './database.ts';

/** `%needle%` for LIKE, with the pattern characters escaped (backslash is the default escape). */
function containsPattern(needle: string): string {
  return `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The needles that may narrow: long enough for trigrams, folding alike in JavaScript and
 * PostgreSQL, and ASCII unless the database folds non-ASCII letters (its ctype may be "C").
 */
function narrowing(needles: readonly TextNeedle[], foldsUnicode: boolean): TextNeedle[] {
  return needles
    .map(({ field, needle }) => ({ field, needle: needle.normalize('NFC') }))
    .filter(({ needle }) => indexable(needle) && (foldsUnicode || /^[\x20-\x7e]*$/.test(needle)));
}

/** See `Store.searchCandidates`. */
export async function searchCandidates(
  db: Queryable,
  mailboxId: number,
  needles: readonly TextNeedle[],
  foldsUnicode: boolean,
): Promise<number[]> {
  const usable = narrowing(needles, foldsUnicode);
  if (usable.length === 0) {
    const { rows } = await db.query('SELECT uid FROM messages WHERE mailbox_id = $1 ORDER BY uid', [
      mailboxId,
    ]);
    return (rows as Row[]).map((r) => r.uid as number);
  }
  const params: unknown[] = [mailboxId];
  const conditions = usable.map(({ field, needle }) => {
    params.push(containsPattern(needle));
    const p = `$${params.length}`;
    if (field === 'body') return `d.body ILIKE ${p}`;
    if (field === 'headers') return `d.headers ILIKE ${p}`;
    return `(d.headers ILIKE ${p} OR d.body ILIKE ${p})`;
  });
  const { rows } = await db.query(
    `SELECT m.uid FROM messages m JOIN search_docs d ON d.blob_id = m.blob_id
       WHERE m.mailbox_id = $1 AND ${conditions.join(' AND ')}
     UNION
     SELECT m.uid FROM messages m LEFT JOIN search_docs d ON d.blob_id = m.blob_id
       WHERE m.mailbox_id = $1 AND (d.id IS NULL OR d.truncated)
     ORDER BY uid`,
    params,
    // The needles decide the best plan (a rare trigram or a common one): planned each time.
    { prepare: false },
  );
  return (rows as Row[]).map((r) => r.uid as number);
}

/** See `Store.getSearchText`. */
export async function getSearchText(db: Queryable, blobId: string): Promise<SearchText | undefined> {
  const { rows } = await db.query('SELECT headers, body, truncated FROM search_docs WHERE blob_id = $1', [
    blobId,
  ]);
  const row = rows[0] as Row | undefined;
  if (!row) return undefined;
  return { headers: row.headers as string, body: row.body as string, truncated: row.truncated === true };
}

/** See `Store.searchBacklog`. */
/** How long a process keeps the backlog items it took before another may take them. */
export const BACKLOG_LEASE_MS = 60_000;

/**
 * The oldest backlog items no other process is working on, taken by `owner` (a process) for
 * {@link BACKLOG_LEASE_MS}: indexing them removes them; the items of a process that dies go to
 * another once the lease ends. The owner sees its own items again; items another transaction
 * is taking at this moment are skipped, not waited for.
 */
export async function searchBacklog(
  db: Queryable,
  limit: number,
  owner: string,
  now = Date.now(),
): Promise<SearchBacklogItem[]> {
  const { rows } = await db.query(
    `WITH free AS (
       SELECT seq FROM search_pending WHERE lease_until <= $2 OR lease_owner = $4
       ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED
     ), taken AS (
       UPDATE search_pending p SET lease_until = $3, lease_owner = $4 FROM free
       WHERE p.seq = free.seq RETURNING p.seq, p.blob_id
     )
     SELECT taken.blob_id, b.structure FROM taken JOIN blobs b ON b.id = taken.blob_id ORDER BY taken.seq`,
    [limit, now, now + BACKLOG_LEASE_MS, owner],
  );
  return (rows as Row[]).map((r) => ({ blobId: r.blob_id as string, structure: r.structure as string }));
}

/** True when the database's lower() folds non-ASCII letters as JavaScript does (a UTF-8 ctype). */
export async function foldsUnicode(db: Queryable): Promise<boolean> {
  const { rows } = await db.query("SELECT lower('ÀÉÎÕÜ') = 'àéîõü' AS ok");
  return (rows[0] as Row).ok === true;
}
