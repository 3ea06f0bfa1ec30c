/**
 * DKIM signing keys per domain in SQLite (migration 8): adding (and rotating) and listing.
 * Runs inside the store's transactions; statements come from its cache.
 */
import { LoftError } from '../../core/errors.ts';
import type { DkimAlgorithm, DkimKeyInput, DkimKeyRecord } from '../store.ts';
import type { Prepare } from './messages.ts';

type Row = Record<string, unknown>;

/** Adds keys (retiring the active ones first when asked); NOTFOUND for an unknown domain. */
export function addDkimKeys(
  prepare: Prepare,
  domain: string,
  keys: readonly DkimKeyInput[],
  retireActive: boolean,
  now: number,
): DkimKeyRecord[] {
  const found = prepare('SELECT id FROM domains WHERE name = ?').get(domain) as Row | undefined;
  if (!found) throw new LoftError('NOTFOUND', `no domain ${domain}`);
  const domainId = found.id as number;
  if (retireActive) {
    prepare('UPDATE dkim_keys SET retired_at = ? WHERE domain_id = ? AND retired_at IS NULL').run(
      now,
      domainId,
    );
  }
  const insert = prepare(
    `INSERT INTO dkim_keys (domain_id, selector, algorithm, private_key, public_key, created_at)
     VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
  );
  return keys.map((key) =>
    toDkimKey(insert.get(domainId, key.selector, key.algorithm, key.privateKey, key.publicKey, now) as Row),
  );
}

/** Every key of a domain, newest first. */
export function listDkimKeys(prepare: Prepare, domain: string): DkimKeyRecord[] {
  const rows = prepare(
    `SELECT k.* FROM dkim_keys k JOIN domains d ON d.id = k.domain_id
     WHERE d.name = ? ORDER BY k.id DESC`,
  ).all(domain) as Row[];
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
