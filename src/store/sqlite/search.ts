/**
 * The full-text index in SQLite (migration 5): FTS5 with the trigram tokenizer over the decoded
 * headers and body of each blob. A trigram phrase query is a case-folded substring test, so the
 * index narrows IMAP SEARCH BODY/TEXT/HEADER (RFC 9051 §6.4.4) to candidates that the session
 * then confirms with the exact test. Texts are written by `indexTexts` from the backlog
 * (`search_pending`, filled by `applyBatch`) and removed by a trigger on `blobs`.
 */
import type { SearchBacklogItem, SearchText, TextNeedle } from '../store.ts';
import { indexable } from '../text-needles.ts';
import type { Prepare } from './messages.ts';

type Row = Record<string, unknown>;

/** The FTS5 query for the needles that can narrow (AND of phrases), or undefined when none can. */
export function ftsQuery(needles: readonly TextNeedle[]): string | undefined {
  const terms: string[] = [];
  for (const { field, needle } of needles) {
    const text = needle.normalize('NFC');
    if (!indexable(text)) continue;
    // An FTS5 string: double quotes doubled (https://sqlite.org/fts5.html §3.1).
    const phrase = `"${text.replaceAll('"', '""')}"`;
    terms.push(field === 'text' ? phrase : `${field} : ${phrase}`);
  }
  return terms.length > 0 ? terms.join(' AND ') : undefined;
}

/** See `Store.searchCandidates`. */
export function searchCandidates(
  prepare: Prepare,
  mailboxId: number,
  needles: readonly TextNeedle[],
): number[] {
  const query = ftsQuery(needles);
  if (query === undefined) {
    const rows = prepare('SELECT uid FROM messages WHERE mailbox_id = ? ORDER BY uid').all(
      mailboxId,
    ) as Row[];
    return rows.map((r) => r.uid as number);
  }
  const rows = prepare(
    `SELECT m.uid AS uid FROM search_text
       JOIN search_docs d ON d.id = search_text.rowid
       JOIN messages m ON m.blob_id = d.blob_id
       WHERE search_text MATCH ?1 AND m.mailbox_id = ?2
     UNION
     SELECT m.uid AS uid FROM messages m LEFT JOIN search_docs d ON d.blob_id = m.blob_id
       WHERE m.mailbox_id = ?2 AND (d.id IS NULL OR d.truncated = 1)
     ORDER BY uid`,
  ).all(query, mailboxId) as Row[];
  return rows.map((r) => r.uid as number);
}

/** See `Store.getSearchText`. */
export function getSearchText(prepare: Prepare, blobId: string): SearchText | undefined {
  const row = prepare(
    `SELECT t.headers AS headers, t.body AS body, d.truncated AS truncated
       FROM search_docs d JOIN search_text t ON t.rowid = d.id WHERE d.blob_id = ?`,
  ).get(blobId) as Row | undefined;
  if (!row) return undefined;
  return { headers: row.headers as string, body: row.body as string, truncated: row.truncated === 1 };
}

/** See `Store.searchBacklog`. */
export function searchBacklog(prepare: Prepare, limit: number): SearchBacklogItem[] {
  const rows = prepare(
    `SELECT p.blob_id AS blobId, b.structure AS structure
       FROM search_pending p JOIN blobs b ON b.id = p.blob_id ORDER BY p.seq LIMIT ?`,
  ).all(limit) as Row[];
  return rows.map((r) => ({ blobId: r.blobId as string, structure: r.structure as string }));
}
