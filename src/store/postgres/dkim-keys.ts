/**
 * DKIM signing keys per domain in PostgreSQL (migration 3), as src/store/sqlite/dkim-keys.ts.
 */
import { LoftError } from '../../core/errors.ts';
import type { DkimAlgorithm, DkimKeyInput, DkimKeyRecord } from '../store.ts';
import type { Queryable, Row } from './database.ts';

/** Adds keys (retiring the active ones first when asked); NOTFOUND for an unknown domain. */
export async function addDkimKeys(
  db: Queryable,
  domain: string,
  keys: readonly DkimKeyInput[],
  retireActive: boolean,
  now: number,
): Promise<DkimKeyRecord[]> {
  // The domain row is locked so that concurrent rotations of one domain run one after the other.
  const found = (await db.query('SELECT id FROM domains WHERE name = $1 FOR UPDATE', [domain])).rows[0];
  if (!found) throw new LoftError('NOTFOUND', `no domain ${domain}`);
  const domainId = found.id as number;
  if (retireActive) {
    await db.query('UPDATE dkim_keys SET retired_at = $1 WHERE domain_id = $2 AND retired_at IS NULL', [
      now,
      domainId,
    ]);
  }
  const added: DkimKeyRecord[] = [];
  for (const key of keys) {
    const { rows } = await db.query(
      `INSERT INTO dkim_keys (domain_id, selector, algorithm, private_key, public_key, created_at)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [domainId, key.selector, key.algorithm, key.privateKey, key.publicKey, now],
    );
    added.push(toDkimKey(rows[0] as Row));
  }
  return added;
}

/** Every key of a domain, newest first. */
export async function listDkimKeys(db: Queryable, domain: string): Promise<DkimKeyRecord[]> {
  const { rows } = await db.query(
    `SELECT k.* FROM dkim_keys k JOIN domains d ON d.id = k.domain_id
     WHERE d.name = $1 ORDER BY k.id DESC`,
    [domain],
  );
  return rows.map(toDkimKey);
}

function toDkimKey(row: Row): DkimKeyRecord {
  return {
    id: row.id as number,
    domainId: row.domain_id as number,
    selector: row.selector as string,
    algorithm: row.algorithm as DkimAlgorithm,
    privateKey: row.private_key as string,
    publicKey: row.public_key as string,
    createdAt: row.created_at as number,
    retiredAt: (row.retired_at as number | null) ?? undefined,
  };
}
