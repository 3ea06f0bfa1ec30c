/**
 * Turning SQLite rows into the storage interface's records.
 */
import type { AccountRecord, DomainRecord, MailboxRecord, SpecialUse } from '../store.ts';

export type Row = Record<string, unknown>;

export function toDomain(row: Row): DomainRecord {
  return { id: row.id as number, name: row.name as string, createdAt: row.created_at as number };
}

export function toAccount(row: Row): AccountRecord {
  const salt = row.scram_salt as Uint8Array | null;
  return {
    id: row.id as number,
    address: row.address as string,
    domainId: row.domain_id as number,
    passwordHash: row.password_hash as string,
    scram: salt
      ? {
          salt: Buffer.from(salt),
          iterations: row.scram_iterations as number,
          storedKey: Buffer.from(row.scram_stored_key as Uint8Array),
          serverKey: Buffer.from(row.scram_server_key as Uint8Array),
        }
      : undefined,
    createdAt: row.created_at as number,
  };
}

export function toMailbox(row: Row): MailboxRecord {
  return {
    id: row.id as number,
    accountId: row.account_id as number,
    name: row.name as string,
    specialUse: (row.special_use as SpecialUse | null) ?? undefined,
    uidValidity: row.uid_validity as number,
    uidNext: row.uid_next as number,
    highestModseq: row.highest_modseq as number,
    subscribed: row.subscribed === 1,
  };
}
