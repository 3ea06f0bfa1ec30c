/**
 * `loft export`: every domain (with its DKIM keys), account (with its password hash and SCRAM keys), alias, mailbox
 * (with UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ), subscription and message (with UID, flags,
 * keywords, internal date, MODSEQ and its bytes) of a store, as an archive (archive.ts) that
 * `loft import` loads into another store, of either backend.
 */
import type { BlobStore } from '../../store/blob/blob-store.ts';
import type { Store } from '../../store/store.ts';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  type ArchiveCounts,
  type ArchiveRecord,
  emptyCounts,
} from './archive.ts';

export interface ExportProgress {
  /** Called once with the number of messages to export, then after each message. */
  total?(messages: number): void;
  advance?(messages: number): void;
}

/** Writes the archive record by record through `write` (which may wait, for backpressure). */
export async function exportAll(
  deps: { store: Store; blobs: BlobStore },
  write: (line: string) => Promise<void>,
  progress: ExportProgress = {},
): Promise<ArchiveCounts> {
  const { store, blobs } = deps;
  const counts = emptyCounts();
  const put = (record: ArchiveRecord): Promise<void> => write(`${JSON.stringify(record)}\n`);
  await put({ type: 'header', format: ARCHIVE_FORMAT, version: ARCHIVE_VERSION, createdAt: Date.now() });

  const domains = await store.listDomains();
  const accounts = await store.listAccounts();
  const mailboxesOf = new Map<number, Awaited<ReturnType<Store['listMailboxes']>>>();
  let total = 0;
  for (const account of accounts) {
    const boxes = await store.listMailboxes(account.id);
    mailboxesOf.set(account.id, boxes);
    for (const box of boxes) total += (await store.mailboxStats(box.id)).messages;
  }
  progress.total?.(total);

  for (const domain of domains) {
    await put({ type: 'domain', name: domain.name });
    counts.domains++;
    // Oldest first, so that an import replays the rotations in order.
    for (const key of (await store.listDkimKeys(domain.name)).reverse()) {
      await put({
        type: 'dkim',
        domain: domain.name,
        selector: key.selector,
        algorithm: key.algorithm,
        privateKey: key.privateKey,
        publicKey: key.publicKey,
        createdAt: key.createdAt,
        retired: key.retiredAt !== undefined,
      });
    }
  }
  const domainName = new Map(domains.map((d) => [d.id, d.name]));
  for (const account of accounts) {
    const scram = account.scram;
    await put({
      type: 'account',
      address: account.address,
      domain: domainName.get(account.domainId) ?? account.address.split('@')[1]!,
      passwordHash: account.passwordHash,
      scram: scram
        ? {
            salt: scram.salt.toString('base64'),
            iterations: scram.iterations,
            storedKey: scram.storedKey.toString('base64'),
            serverKey: scram.serverKey.toString('base64'),
          }
        : undefined,
    });
    counts.accounts++;
  }
  for (const alias of await store.listAliases()) {
    await put({ type: 'alias', source: alias.source, target: alias.target });
    counts.aliases++;
  }
  for (const account of accounts) {
    for (const box of mailboxesOf.get(account.id) ?? []) {
      await put({
        type: 'mailbox',
        account: account.address,
        name: box.name,
        specialUse: box.specialUse,
        uidValidity: box.uidValidity,
        uidNext: box.uidNext,
        highestModseq: box.highestModseq,
      });
      counts.mailboxes++;
    }
    for (const name of await store.listSubscriptions(account.id)) {
      await put({ type: 'subscription', account: account.address, name });
    }
    for (const box of mailboxesOf.get(account.id) ?? []) {
      for (const message of await store.listMessages(box.id)) {
        const body = await blobs.read(message.blobId);
        await put({
          type: 'message',
          account: account.address,
          mailbox: box.name,
          uid: message.uid,
          flags: message.flags,
          keywords: message.keywords,
          internalDate: message.internalDate,
          modseq: message.modseq,
          body: body.toString('base64'),
        });
        counts.messages++;
        progress.advance?.(1);
      }
    }
  }
  await put({ type: 'end', counts });
  return counts;
}
