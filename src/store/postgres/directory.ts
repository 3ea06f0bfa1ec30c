/**
 * The directory in PostgreSQL: domains, accounts (with their first mailboxes) and aliases, as
 * src/store/sqlite/directory.ts. Writes run inside a transaction opened by the caller; reads run
 * on whatever the caller passes (the pool).
 */
import { LoftError } from '../../core/errors.ts';
import { type AddressLookupRow, addressLookupOf, candidateParams } from '../address-lookup.ts';
import type {
  AccountRecord,
  AddressLookup,
  AliasRecord,
  DomainRecord,
  ScramKeys,
  SpecialUse,
} from '../store.ts';
import type { Queryable, Row } from './database.ts';
import { createMailbox, setSubscribed } from './mailboxes.ts';
import { dropUnusedBlobs } from './messages.ts';
import { toAccount, toDomain } from './rows.ts';

/** What {@link addAccount} stores: the account and the mailboxes it starts with (subscribed). */
export interface NewAccount {
  address: string;
  domainId: number;
  passwordHash: string;
  scram: ScramKeys | undefined;
  mailboxes: { name: string; specialUse: SpecialUse | undefined }[];
}

export async function addDomain(db: Queryable, name: string): Promise<DomainRecord> {
  const { rows } = await db.query('INSERT INTO domains (name, created_at) VALUES ($1, $2) RETURNING *', [
    name,
    Date.now(),
  ]);
  return toDomain(rows[0] as Row);
}

export async function getDomain(db: Queryable, name: string): Promise<DomainRecord | undefined> {
  const { rows } = await db.query('SELECT * FROM domains WHERE name = $1', [name]);
  return rows[0] ? toDomain(rows[0]) : undefined;
}

export async function listDomains(db: Queryable): Promise<DomainRecord[]> {
  const { rows } = await db.query('SELECT * FROM domains ORDER BY name');
  return rows.map(toDomain);
}

/** Removes a domain and its aliases; NOTFOUND if absent, INUSE while accounts remain in it. */
export async function removeDomain(db: Queryable, name: string): Promise<void> {
  const domain = (await db.query('SELECT id FROM domains WHERE name = $1 FOR UPDATE', [name])).rows[0];
  if (!domain) throw new LoftError('NOTFOUND', `no domain ${name}`);
  const users = (await db.query('SELECT count(*) AS n FROM accounts WHERE domain_id = $1', [domain.id]))
    .rows[0] as Row;
  if ((users.n as number) > 0) throw new LoftError('INUSE', `domain ${name} still has ${users.n} user(s)`);
  await db.query("DELETE FROM aliases WHERE source LIKE '%@' || $1", [name]);
  await db.query('DELETE FROM domains WHERE id = $1', [domain.id]);
}

export async function addAccount(db: Queryable, input: NewAccount): Promise<AccountRecord> {
  const scram = input.scram;
  const { rows } = await db.query(
    `INSERT INTO accounts (address, domain_id, password_hash, scram_salt, scram_iterations, scram_stored_key,
           scram_server_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
    [
      input.address,
      input.domainId,
      input.passwordHash,
      scram?.salt ?? null,
      scram?.iterations ?? null,
      scram?.storedKey ?? null,
      scram?.serverKey ?? null,
      Date.now(),
    ],
  );
  const row = rows[0] as Row;
  for (const mailbox of input.mailboxes) {
    await createMailbox(db, row.id as number, mailbox.name, mailbox.specialUse);
    await setSubscribed(db, row.id as number, mailbox.name, true);
  }
  return toAccount(row);
}

export async function getAccount(db: Queryable, address: string): Promise<AccountRecord | undefined> {
  const { rows } = await db.query('SELECT * FROM accounts WHERE address = $1', [address]);
  return rows[0] ? toAccount(rows[0]) : undefined;
}

export async function getAccountById(db: Queryable, id: number): Promise<AccountRecord | undefined> {
  const { rows } = await db.query('SELECT * FROM accounts WHERE id = $1', [id]);
  return rows[0] ? toAccount(rows[0]) : undefined;
}

/** Every account, or those of one domain, by address. */
export async function listAccounts(db: Queryable, domain: string | undefined): Promise<AccountRecord[]> {
  const { rows } =
    domain === undefined
      ? await db.query('SELECT * FROM accounts ORDER BY address')
      : await db.query(
          'SELECT a.* FROM accounts a JOIN domains d ON d.id = a.domain_id WHERE d.name = $1 ORDER BY address',
          [domain],
        );
  return rows.map(toAccount);
}

/** Replaces the password hash and SCRAM keys; NOTFOUND for an unknown address. */
export async function setPassword(
  db: Queryable,
  address: string,
  passwordHash: string,
  scram: ScramKeys | undefined,
): Promise<void> {
  const result = await db.query(
    `UPDATE accounts SET password_hash = $1, scram_salt = $2, scram_iterations = $3, scram_stored_key = $4,
           scram_server_key = $5 WHERE address = $6`,
    [
      passwordHash,
      scram?.salt ?? null,
      scram?.iterations ?? null,
      scram?.storedKey ?? null,
      scram?.serverKey ?? null,
      address,
    ],
  );
  if (result.rowCount === 0) throw new LoftError('NOTFOUND', `no user ${address}`);
}

/**
 * Removes an account (its mailboxes and messages by cascade); returns the blobs no longer
 * referenced that have a file. NOTFOUND for an unknown address.
 */
export async function removeAccount(db: Queryable, address: string): Promise<{ orphanBlobs: string[] }> {
  const account = (await db.query('SELECT id FROM accounts WHERE address = $1', [address])).rows[0];
  if (!account) throw new LoftError('NOTFOUND', `no user ${address}`);
  const { rows: blobs } = await db.query(
    'SELECT DISTINCT m.blob_id AS id FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE b.account_id = $1',
    [account.id],
  );
  await db.query('DELETE FROM accounts WHERE id = $1', [account.id]);
  return {
    orphanBlobs: await dropUnusedBlobs(
      db,
      blobs.map((b) => b.id as string),
    ),
  };
}

export async function addAlias(db: Queryable, source: string, target: string): Promise<void> {
  await db.query('INSERT INTO aliases (source, target) VALUES ($1, $2)', [source, target]);
}

/** Removes the alias `source` → `target`, or every target of `source`; returns how many went. */
export async function removeAlias(
  db: Queryable,
  source: string,
  target: string | undefined,
): Promise<number> {
  const result =
    target === undefined
      ? await db.query('DELETE FROM aliases WHERE source = $1', [source])
      : await db.query('DELETE FROM aliases WHERE source = $1 AND target = $2', [source, target]);
  return result.rowCount ?? 0;
}

/** Every alias, or the targets of one source, in order. */
export async function listAliases(db: Queryable, source: string | undefined): Promise<AliasRecord[]> {
  const { rows } =
    source === undefined
      ? await db.query('SELECT source, target FROM aliases ORDER BY source, target')
      : await db.query('SELECT source, target FROM aliases WHERE source = $1 ORDER BY target', [source]);
  return rows.map((row) => ({ source: row.source as string, target: row.target as string }));
}

/** As in SQLite (src/store/sqlite/directory.ts): one statement, see `../address-lookup.ts`. */
const LOOKUP_ADDRESS = `SELECT 0 AS kind, NULL::text AS name, NULL::text AS target, NULL::bigint AS id,
    NULL::bigint AS inbox FROM domains WHERE name = $1
  UNION ALL SELECT 1, source, target, NULL, NULL FROM aliases WHERE source IN ($2, $3, $4)
  UNION ALL SELECT 2, a.address, NULL, a.id,
    (SELECT m.id FROM mailboxes m WHERE m.account_id = a.id AND m.name = 'INBOX')
    FROM accounts a WHERE a.address IN ($2, $3, $4)
  ORDER BY 1, 2, 3`;

export async function lookupAddress(
  db: Queryable,
  domain: string,
  candidates: readonly string[],
): Promise<AddressLookup> {
  const { rows } = await db.query(LOOKUP_ADDRESS, [domain, ...candidateParams(candidates)]);
  return addressLookupOf(rows as unknown as AddressLookupRow[]);
}

/** The directory's version as stored (migration 8). */
export async function storedDirectoryVersion(db: Queryable): Promise<number> {
  const { rows } = await db.query('SELECT version FROM directory_version WHERE id = 1');
  return (rows[0] as { version: number }).version;
}
