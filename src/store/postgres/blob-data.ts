/**
 * Reading message bodies kept inline in PostgreSQL (`blob_data`, see src/store/bodies.ts), as
 * src/store/sqlite/blob-data.ts.
 */
import type { Queryable } from './database.ts';

/** Bodies come as bytes, not as hex text to decode (database.ts). */
const BINARY = { binary: true };

/** One body, or its byte range [start, end); undefined when it is not inline. */
export async function readInlineBody(
  db: Queryable,
  blobId: string,
  start?: number,
  end?: number,
): Promise<Buffer | undefined> {
  const from = start ?? 0;
  const { rows } =
    from === 0 && end === undefined
      ? await db.query('SELECT data FROM blob_data WHERE id = $1', [blobId], BINARY)
      : end === undefined
        ? await db.query(
            'SELECT substring(data FROM $2::int) AS data FROM blob_data WHERE id = $1',
            [blobId, from + 1],
            BINARY,
          )
        : await db.query(
            'SELECT substring(data FROM $2::int FOR $3::int) AS data FROM blob_data WHERE id = $1',
            [blobId, from + 1, Math.max(0, end - from)],
            BINARY,
          );
  return (rows[0]?.data as Buffer | undefined) ?? undefined;
}

/** Many whole bodies by id (those not inline are absent), in one query. */
export async function readInlineBodies(
  db: Queryable,
  blobIds: readonly string[],
): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  if (blobIds.length === 0) return out;
  const { rows } = await db.query(
    'SELECT id, data FROM blob_data WHERE id = ANY($1::text[])',
    [blobIds],
    BINARY,
  );
  for (const row of rows) out.set(row.id as string, row.data as Buffer);
  return out;
}
