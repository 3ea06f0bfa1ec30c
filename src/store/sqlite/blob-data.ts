/**
 * Reading message bodies kept inline in SQLite (`blob_data`, see src/store/bodies.ts).
 */
import type { Prepare } from './messages.ts';
import type { Row } from './rows.ts';

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** One body, or its byte range [start, end); undefined when it is not inline. */
export function readInlineBody(
  prepare: Prepare,
  blobId: string,
  start?: number,
  end?: number,
): Buffer | undefined {
  const from = start ?? 0;
  // From the start, the whole value is read and cut (bodies here are small): substr() copies.
  const row = (
    from === 0
      ? prepare('SELECT data FROM blob_data WHERE id = ?').get(blobId)
      : prepare('SELECT substr(data, ?, ?) AS data FROM blob_data WHERE id = ?').get(
          from + 1,
          Math.max(0, (end ?? Number.MAX_SAFE_INTEGER) - from),
          blobId,
        )
  ) as Row | undefined;
  if (!row) return undefined;
  const whole = toBuffer(row.data as Uint8Array);
  return from === 0 && end !== undefined && end < whole.length ? whole.subarray(0, end) : whole;
}

/** Many whole bodies by id (those not inline are absent), through one cached statement. */
export function readInlineBodies(prepare: Prepare, blobIds: readonly string[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (blobIds.length === 0) return out;
  // Rows as arrays: node:sqlite builds them faster than objects (POP3 reads ahead many at once).
  const statement = prepare('SELECT id, data FROM blob_data WHERE id IN (SELECT value FROM json_each(?))');
  statement.setReturnArrays(true);
  const rows = statement.all(JSON.stringify(blobIds)) as unknown as [string, Uint8Array][];
  for (const [id, data] of rows) out.set(id, toBuffer(data));
  return out;
}
