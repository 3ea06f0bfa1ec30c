/**
 * The format of `loft export` / `loft import`: JSON lines, one record per line, readable by any
 * tool. It starts with a header and ends with an `end` record holding the counts, so a cut file
 * is noticed. Binary values (bodies, SCRAM keys) are base64.
 */
import type { DkimAlgorithm, SpecialUse } from '../../store/store.ts';

export const ARCHIVE_FORMAT = 'loft-export';
export const ARCHIVE_VERSION = 1;

export type ArchiveRecord =
  | { type: 'header'; format: typeof ARCHIVE_FORMAT; version: number; createdAt: number }
  | { type: 'domain'; name: string }
  | {
      type: 'dkim';
      domain: string;
      selector: string;
      algorithm: DkimAlgorithm;
      privateKey: string;
      publicKey: string;
      createdAt: number;
      retired: boolean;
    }
  | {
      type: 'account';
      address: string;
      domain: string;
      passwordHash: string;
      scram?: { salt: string; iterations: number; storedKey: string; serverKey: string } | undefined;
    }
  | { type: 'alias'; source: string; target: string }
  | {
      type: 'mailbox';
      account: string;
      name: string;
      specialUse?: SpecialUse | undefined;
      uidValidity: number;
      uidNext: number;
      highestModseq: number;
    }
  | { type: 'subscription'; account: string; name: string }
  | {
      type: 'message';
      account: string;
      mailbox: string;
      uid: number;
      flags: number;
      keywords: string[];
      internalDate: number;
      modseq: number;
      body: string;
    }
  | { type: 'end'; counts: ArchiveCounts };

export interface ArchiveCounts {
  domains: number;
  accounts: number;
  aliases: number;
  mailboxes: number;
  messages: number;
}

export function emptyCounts(): ArchiveCounts {
  return { domains: 0, accounts: 0, aliases: 0, mailboxes: 0, messages: 0 };
}
