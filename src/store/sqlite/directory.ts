/**
 * The directory in SQLite: domains, accounts (with their first mailboxes) and aliases. Writes run
 * inside a transaction opened by the caller; statements come from the store's cache.
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
import { createMailbox, setSubscribed } from './mailboxes.ts';
import { dropUnusedBlobs, type Prepare } from './messages.ts';
import { type Row, toAccount, toDomain } from './rows.ts';

/** What {@link addAccount} stores: the account and the mailboxes it starts with (subscribed). */
export interface NewAccount {
  address: string;
  domainId: number;
  passwordHash: string;
  scram: ScramKeys | undefined;
  mailboxes: { name: string; specialUse: SpecialUse | undefined }[];
}

export function addDomain(prepare: Prepare, name: string): DomainRecord {
  const row = prepare('INSERT INTO domains (name, created_at) VALUES (?, ?) RETURNING *').get(
    name,
    Date.now(),
  ) as Row;
  return toDomain(row);
}

export function getDomain(prepare: Prepare, name: string): DomainRecord | undefined {
  const row = prepare('SELECT * FROM domains WHERE name = ?').get(name) as Row | undefined;
  return row ? toDomain(row) : undefined;
}

export function listDomains(prepare: Prepare): DomainRecord[] {
  const rows = prepare('SELECT * FROM domains ORDER BY name').all() as Row[];
  return rows.map(toDomain);
}

/** Removes a domain and its aliases; NOTFOUND if absent, INUSE while accounts remain in it. */
export function removeDomain(prepare: Prepare, name: string): void {
  const domain = prepare('SELECT id FROM domains WHERE name = ?').get(name) as Row | undefined;
  if (!domain) throw new LoftError('NOTFOUND', `no domain ${name}`);
  const users = prepare('SELECT count(*) AS n FROM accounts WHERE domain_id = ?').get(
    domain.id as number,
  ) as Row;
  if ((users.n as number) > 0) throw new LoftError('INUSE', `domain ${name} still has ${users.n} user(s)`);
  prepare("DELETE FROM aliases WHERE source LIKE '%@' || ?").run(name);
  prepare('DELETE FROM domains WHERE id = ?').run(domain.id as number);
}

export function addAccount(prepare: Prepare, input: NewAccount): AccountRecord {
  const scram = input.scram;
  const row = prepare(
    `INSERT INTO accounts (address, domain_id, password_hash, scram_salt, scram_iterations, scram_stored_key,
           scram_server_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  ).get(
    input.address,
    input.domainId,
    input.passwordHash,
    scram?.salt ?? null,
    scram?.iterations ?? null,
    scram?.storedKey ?? null,
    scram?.serverKey ?? null,
    Date.now(),
  ) as Row;
  for (const mailbox of input.mailboxes) {
    createMailbox(prepare, row.id as number, mailbox.name, mailbox.specialUse);
    setSubscribed(prepare, row.id as number, mailbox.name, true);
  }
  return toAccount(row);
}

export function getAccount(prepare: Prepare, address: string): AccountRecord | undefined {
  const row = prepare('SELECT * FROM accounts WHERE address = ?').get(address) as Row | undefined;
  return row ? toAccount(row) : undefined;
}

export function getAccountById(prepare: Prepare, id: number): AccountRecord | undefined {
  const row = prepare('SELECT * FROM accounts WHERE id = ?').get(id) as Row | undefined;
  return row ? toAccount(row) : undefined;
}

/** Every account, or those of one domain, by address. */
export function listAccounts(prepare: Prepare, domain: string | undefined): AccountRecord[] {
  const rows = (
    domain === undefined
      ? prepare('SELECT * FROM accounts ORDER BY address').all()
      : prepare(
          'SELECT a.* FROM accounts a JOIN domains d ON d.id = a.domain_id WHERE d.name = ? ORDER BY address',
        ).all(domain)
  ) as Row[];
  return rows.map(toAccount);
}

/** Replaces the password hash and SCRAM keys; NOTFOUND for an unknown address. */
export function setPassword(
  prepare: Prepare,
  address: string,
  passwordHash: string,
  scram: ScramKeys | undefined,
): void {
  const result = prepare(
    `UPDATE accounts SET password_hash = ?, scram_salt = ?, scram_iterations = ?, scram_stored_key = ?,
           scram_server_key = ? WHERE address = ?`,
  ).run(
    passwordHash,
    scram?.salt ?? null,
    scram?.iterations ?? null,
    scram?.storedKey ?? null,
    scram?.serverKey ?? null,
    address,
  );
  if (result.changes === 0) throw new LoftError('NOTFOUND', `no user ${address}`);
}

/**
 * Removes an account (its mailboxes and messages by cascade); returns the blobs no longer
 * referenced that have a file. NOTFOUND for an unknown address.
 */
export function removeAccount(prepare: Prepare, address: string): { orphanBlobs: string[] } {
  const account = prepare('SELECT id FROM accounts WHERE address = ?').get(address) as Row | undefined;
  if (!account) throw new LoftError('NOTFOUND', `no user ${address}`);
  const blobs = prepare(
    `SELECT DISTINCT m.blob_id AS id FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE b.account_id = ?`,
  ).all(account.id as number) as Row[];
  prepare('DELETE FROM accounts WHERE id = ?').run(account.id as number);
  return {
    orphanBlobs: dropUnusedBlobs(
      prepare,
      blobs.map((b) => b.id as string),
    ),
  };
}

export function addAlias(prepare: Prepare, source: string, target: string): void {
  prepare('INSERT INTO aliases (source, target) VALUES (?, ?)').run(source, target);
}

/** Removes the alias `source` → `target`, or every target of `source`; returns how many went. */
export function removeAlias(prepare: Prepare, source: string, target: string | undefined): number {
  const result =
    target === undefined
      ? prepare('DELETE FROM aliases WHERE source = ?').run(source)
      : prepare('DELETE FROM aliases WHERE source = ? AND target = ?').run(source, target);
  return Number(result.changes);
}

/** Every alias, or the targets of one source, in order. */
export function listAliases(prepare: Prepare, source: string | undefined): AliasRecord[] {
  const rows = (
    source === undefined
      ? prepare('SELECT source, target FROM aliases ORDER BY source, target').all()
      : prepare('SELECT source, target FROM aliases WHERE source = ? ORDER BY target').all(source)
  ) as Row[];
  return rows.map((row) => ({ source: row.source as string, target: row.target as string }));
}

/**
 * Domain, aliases and accounts (with their INBOX) of up to three candidate addresses, in one
 * statement (see `../address-lookup.ts`).
 */
const LOOKUP_ADDRESS = `SELECT 0 AS kind, NULL AS name, NULL AS target, NULL AS id, NULL AS inbox
    FROM domains WHERE name = ?1
  UNION ALL SELECT 1, source, target, NULL, NULL FROM aliases WHERE source IN (?2, ?3, ?4)
  UNION ALL SELECT 2, a.address, NULL, a.id,
    (SELECT m.id FROM mailboxes m WHERE m.account_id = a.id AND m.name = 'INBOX')
    FROM accounts a WHERE a.address IN (?2, ?3, ?4)
  ORDER BY 1, 2, 3`;

export function lookupAddress(
  prepare: Prepare,
  domain: string,
  candidates: readonly string[],
): AddressLookup {
  const rows = prepare(LOOKUP_ADDRESS).all(domain, ...candidateParams(candidates));
  return addressLookupOf(rows as unknown as AddressLookupRow[]);
}

/** The directory's version (migration 11). */
export function directoryVersion(prepare: Prepare): number {
  return (prepare('SELECT version FROM directory_version WHERE id = 1').get() as { version: number }).version;
}
