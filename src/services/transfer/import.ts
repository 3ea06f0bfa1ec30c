/**
 * `loft import`: loads an archive written by `loft export` into a store (of either backend),
 * keeping UIDVALIDITY, UIDs, flags, keywords and MODSEQs, so that IMAP clients keep their caches
 * and POP3 clients their UIDLs. Bodies go through the blob store as deliveries do; the text index
 * catches up in the background. The target must not hold the archive's domains yet.
 */
import { LoftError } from '../../core/errors.ts';
import type { BlobStore } from '../../store/blob/blob-store.ts';
import type { DkimKeyInput, ImportedMessage, Store } from '../../store/store.ts';
import { structureOf } from '../delivery/delivery.ts';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  type ArchiveCounts,
  type ArchiveRecord,
  emptyCounts,
} from './archive.ts';

/** Messages committed per transaction. */
const BATCH = 200;

/** Reads `lines` (an archive, line by line) into the store; throws INVALID naming the line at fault. */
export async function importAll(
  deps: { store: Store; blobs: BlobStore },
  lines: AsyncIterable<string>,
  progress: { advance?(messages: number): void } = {},
): Promise<ArchiveCounts> {
  const { store, blobs } = deps;
  const counts = emptyCounts();
  const accounts = new Map<string, number>();
  const mailboxes = new Map<string, number>();
  let batch: { mailboxId: number; messages: ImportedMessage[] } | undefined;
  let lineNumber = 0;
  let ended = false;

  let dkimBatch: { domain: string; createdAt: number; keys: DkimKeyInput[] } | undefined;
  const flushDkim = async (): Promise<void> => {
    if (!dkimBatch) return;
    const { domain, createdAt, keys } = dkimBatch;
    dkimBatch = undefined;
    await store.addDkimKeys(domain, keys, { retireActive: true, now: createdAt });
  };

  const flush = async (): Promise<void> => {
    if (!batch || batch.messages.length === 0) return;
    await store.importMessages(batch.mailboxId, batch.messages);
    progress.advance?.(batch.messages.length);
    batch = undefined;
  };

  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    if (ended) throw invalid(lineNumber, 'data after the end record');
    let record: ArchiveRecord;
    try {
      record = JSON.parse(line) as ArchiveRecord;
    } catch {
      throw invalid(lineNumber, 'not JSON');
    }
    if (lineNumber === 1) {
      if (record.type !== 'header' || record.format !== ARCHIVE_FORMAT)
        throw invalid(lineNumber, 'not a loft export (no header)');
      if (record.version !== ARCHIVE_VERSION)
        throw invalid(lineNumber, `format version ${record.version}, this Loft reads ${ARCHIVE_VERSION}`);
      continue;
    }
    if (record.type !== 'dkim') await flushDkim();
    switch (record.type) {
      case 'domain':
        await store.addDomain(record.name).catch(rethrow(`domain ${record.name}`));
        counts.domains++;
        break;
      case 'dkim': {
        // Keys made together (one rotation) are added together; adding the next set retires them.
        const last = dkimBatch;
        if (last && (last.domain !== record.domain || last.createdAt !== record.createdAt)) await flushDkim();
        dkimBatch ??= { domain: record.domain, createdAt: record.createdAt, keys: [] };
        dkimBatch.keys.push({
          selector: record.selector,
          algorithm: record.algorithm,
          privateKey: record.privateKey,
          publicKey: record.publicKey,
        });
        break;
      }
      case 'account': {
        const domain = await store.getDomain(record.domain);
        if (!domain)
          throw invalid(lineNumber, `account ${record.address} of an unknown domain ${record.domain}`);
        const scram = record.scram;
        const account = await store
          .addAccount({
            address: record.address,
            domainId: domain.id,
            passwordHash: record.passwordHash,
            scram: scram
              ? {
                  salt: Buffer.from(scram.salt, 'base64'),
                  iterations: scram.iterations,
                  storedKey: Buffer.from(scram.storedKey, 'base64'),
                  serverKey: Buffer.from(scram.serverKey, 'base64'),
                }
              : undefined,
            mailboxes: [],
          })
          .catch(rethrow(`user ${record.address}`));
        accounts.set(record.address, account.id);
        counts.accounts++;
        break;
      }
      case 'alias':
        await store.addAlias(record.source, record.target).catch(rethrow(`alias ${record.source}`));
        counts.aliases++;
        break;
      case 'mailbox': {
        const accountId = accountOf(accounts, record.account, lineNumber);
        const box = await store.importMailbox({
          accountId,
          name: record.name,
          specialUse: record.specialUse,
          uidValidity: record.uidValidity,
          uidNext: record.uidNext,
          highestModseq: record.highestModseq,
        });
        mailboxes.set(`${record.account}\u0000${record.name}`, box.id);
        counts.mailboxes++;
        break;
      }
      case 'subscription':
        await store.setSubscribed(accountOf(accounts, record.account, lineNumber), record.name, true);
        break;
      case 'message': {
        const mailboxId = mailboxes.get(`${record.account}\u0000${record.mailbox}`);
        if (mailboxId === undefined)
          throw invalid(lineNumber, `message in ${record.account}'s unknown mailbox ${record.mailbox}`);
        if (batch && batch.mailboxId !== mailboxId) await flush();
        const raw = Buffer.from(record.body, 'base64');
        const blob = await blobs.put([raw]);
        batch ??= { mailboxId, messages: [] };
        batch.messages.push({
          uid: record.uid,
          flags: record.flags,
          keywords: record.keywords,
          internalDate: record.internalDate,
          modseq: record.modseq,
          blob,
          structure: structureOf(raw),
        });
        counts.messages++;
        if (batch.messages.length >= BATCH) await flush();
        break;
      }
      case 'end':
        await flush();
        for (const key of Object.keys(counts) as (keyof ArchiveCounts)[]) {
          if (record.counts[key] !== counts[key])
            throw invalid(
              lineNumber,
              `the end record counts ${record.counts[key]} ${key}, the file holds ${counts[key]}`,
            );
        }
        ended = true;
        break;
      default:
        throw invalid(lineNumber, `unknown record type ${(record as { type?: unknown }).type}`);
    }
  }
  if (!ended)
    throw new LoftError(
      'INVALID',
      `the archive ends without its end record after line ${lineNumber}: it was cut`,
    );
  return counts;
}

function accountOf(accounts: Map<string, number>, address: string, line: number): number {
  const id = accounts.get(address);
  if (id === undefined) throw invalid(line, `unknown account ${address}`);
  return id;
}

function invalid(line: number, problem: string): LoftError {
  return new LoftError('INVALID', `line ${line}: ${problem}`);
}

function rethrow(what: string): (err: unknown) => never {
  return (err) => {
    if (err instanceof LoftError && err.code === 'EXISTS')
      throw new LoftError('EXISTS', `${what} already exists in the target: import into an empty store`);
    throw err;
  };
}
