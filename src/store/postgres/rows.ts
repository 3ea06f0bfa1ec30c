/**
 * Turning PostgreSQL rows into the storage interface's records (int8 arrive as numbers, see
 * database.ts; booleans as booleans; bytea as Buffer).
 */
import type { StateRow } from '../../core/message-states.ts';
import type { AccountRecord, DomainRecord, MailboxRecord, MessageRecord, SpecialUse } from '../store.ts';
import type { Row } from './database.ts';

export function toDomain(row: Row): DomainRecord {
  return { id: row.id as number, name: row.name as string, createdAt: row.created_at as number };
}

export function toAccount(row: Row): AccountRecord {
  const salt = row.scram_salt as Buffer | null;
  return {
    id: row.id as number,
    address: row.address as string,
    domainId: row.domain_id as number,
    passwordHash: row.password_hash as string,
    scram: salt
      ? {
          salt,
          iterations: row.scram_iterations as number,
          storedKey: row.scram_stored_key as Buffer,
          serverKey: row.scram_server_key as Buffer,
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
    subscribed: row.subscribed === true,
  };
}

export function toMessage(row: Row): MessageRecord {
  return { mailboxId: row.mailbox_id as number, blobId: row.blob_id as string, ...toMessageState(row) };
}

/** The state columns of a message row (uid, size, internal_date, flags, keywords, modseq). */
export function toMessageState(row: Row): StateRow & { keywords: string[] } {
  return {
    uid: row.uid as number,
    size: row.size as number,
    internalDate: row.internal_date as number,
    flags: row.flags as number,
    keywords: JSON.parse(row.keywords as string) as string[],
    modseq: row.modseq as number,
  };
}
