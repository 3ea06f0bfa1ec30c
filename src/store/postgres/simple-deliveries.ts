/**
 * A batch of common deliveries (one mailbox each, nothing queued) in one statement: the mailbox
 * rows locked in id order, each mailbox's UIDs and MODSEQs taken at once, then the blob rows,
 * inline bodies, message rows and search backlog entries of every delivery, and one notification
 * of all of them (sent at commit). A statement per delivery would hold the mailbox lock over a
 * round trip each, and cost the server a statement each.
 *
 * The notification names every delivery in one payload (about 60 octets each): at most
 * MAX_BATCH (64, delivery-batch.ts) keeps it far below PostgreSQL's limit of 8000 octets; a
 * larger payload would fail the statement, and each delivery would then go alone.
 *
 * Bodies stay binary parameters (an array parameter would travel as hex text): one per delivery,
 * the statement's text padded to a power of two so that a few prepared texts serve every batch.
 */
import type { DeliveryCommit, DeliveryResult } from '../store.ts';
import type { Queryable, Row } from './database.ts';

/** True when `delivery` is of the kind {@link applySimpleDeliveries} writes. */
export function isSimpleDelivery(delivery: DeliveryCommit): boolean {
  return delivery.placements.length === 1 && !delivery.queue;
}

const texts = new Map<number, string>();

/** The statement for up to `slots` deliveries (its body parameters are $10 onwards). */
function statementFor(slots: number): string {
  let text = texts.get(slots);
  if (text) return text;
  const bodies = Array.from({ length: slots }, (_, i) => `$${i + 10}::bytea`).join(', ');
  text = `WITH input AS (
      SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::int[],
                           $7::text[], ARRAY[${bodies}])
        WITH ORDINALITY AS t(blob_id, size, structure, mailbox_id, internal_date, flags, keywords, data, n)
      WHERE blob_id IS NOT NULL
    ), locked AS (
      SELECT id FROM mailboxes WHERE id IN (SELECT mailbox_id FROM input) ORDER BY id FOR UPDATE
    ), counts AS (
      SELECT mailbox_id, count(*) AS k FROM input GROUP BY mailbox_id
    ), u AS (
      UPDATE mailboxes m SET uid_next = m.uid_next + c.k, highest_modseq = m.highest_modseq + c.k
        FROM counts c JOIN locked l ON l.id = c.mailbox_id
       WHERE m.id = c.mailbox_id
      RETURNING m.id, m.uid_next - c.k AS first_uid, m.highest_modseq - c.k AS base_modseq
    ), numbered AS (
      SELECT i.*, u.first_uid + row_number() OVER w - 1 AS uid, u.base_modseq + row_number() OVER w AS modseq
        FROM input i JOIN u ON u.id = i.mailbox_id
      WINDOW w AS (PARTITION BY i.mailbox_id ORDER BY i.n)
    ), b AS (
      INSERT INTO blobs (id, size, structure) SELECT blob_id, size, structure FROM numbered
      ON CONFLICT DO NOTHING
    ), d AS (
      INSERT INTO blob_data (id, data) SELECT blob_id, data FROM numbered WHERE data IS NOT NULL
      ON CONFLICT DO NOTHING
    ), m AS (
      INSERT INTO messages (mailbox_id, uid, blob_id, size, internal_date, flags, keywords, modseq)
      SELECT mailbox_id, uid, blob_id, size, internal_date, flags, keywords, modseq FROM numbered
    ), p AS (
      INSERT INTO search_pending (blob_id) SELECT blob_id FROM numbered ON CONFLICT DO NOTHING
    )
    SELECT n, uid, modseq, (
      SELECT CASE WHEN $8::text IS NULL THEN NULL ELSE pg_notify($8, json_build_object(
        'o', $9::text,
        'c', (SELECT json_agg(json_build_array('a', mailbox_id, uid, modseq) ORDER BY n) FROM numbered)
      )::text) END
    ) AS notified
      FROM numbered ORDER BY n`;
  texts.set(slots, text);
  return text;
}

/**
 * Writes `deliveries` (all of the simple kind) inside the caller's transaction; with `notify`,
 * announces them at its commit. Undefined when some mailbox does not exist (then nothing may be
 * committed: the caller rolls back and commits each delivery alone, so only that one fails).
 */
export async function applySimpleDeliveries(
  db: Queryable,
  deliveries: readonly DeliveryCommit[],
  notify: { channel: string; origin: string } | undefined,
): Promise<DeliveryResult[] | undefined> {
  let slots = 1;
  while (slots < deliveries.length) slots *= 2;
  const column = <T>(pick: (d: DeliveryCommit) => T): T[] => deliveries.map(pick);
  const bodies: (Buffer | null)[] = column((d) => d.blob.inline ?? null);
  while (bodies.length < slots) bodies.push(null);
  const { rows } = await db.query(statementFor(slots), [
    column((d) => d.blob.id),
    column((d) => d.blob.size),
    column((d) => d.structure),
    column((d) => d.placements[0]!.mailboxId),
    column((d) => d.internalDate),
    column((d) => d.placements[0]!.flags ?? 0),
    column((d) => JSON.stringify(d.placements[0]!.keywords ?? [])),
    notify?.channel ?? null,
    notify?.origin ?? null,
    ...bodies,
  ]);
  if (rows.length !== deliveries.length) return undefined;
  return deliveries.map((d, i) => {
    const row = rows[i] as Row;
    return {
      placed: [
        { mailboxId: d.placements[0]!.mailboxId, uid: row.uid as number, modseq: row.modseq as number },
      ],
      queueId: undefined,
    };
  });
}
