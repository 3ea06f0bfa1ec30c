/**
 * The embedded default backend: one SQLite file in the data folder (node:sqlite, WAL,
 * synchronous=FULL). Statements are synchronous under the hood; the interface is asynchronous so
 * the PostgreSQL backend can implement it alike.
 */
import type { DatabaseSync } from 'node:sqlite';
import { LoftError } from '../../core/errors.ts';
import type { MessageStates } from '../../core/message-states.ts';
import type {
  AccountRecord,
  AddressLookup,
  AliasRecord,
  ConditionalFlagResult,
  DeliveryCommit,
  DeliveryResult,
  DkimKeyInput,
  DkimKeyRecord,
  DomainRecord,
  FlagChange,
  FlagUpdate,
  ImportedMailbox,
  ImportedMessage,
  MailboxRecord,
  MessageRecord,
  OpenedMailbox,
  QueueBatch,
  QueueMessageRecord,
  QueueOutcome,
  ScramKeys,
  SearchBacklogItem,
  SearchText,
  SpecialUse,
  Store,
  TextNeedle,
} from '../store.ts';
import { readInlineBodies, readInlineBody } from './blob-data.ts';
import { DeliveryCommitter } from './committer.ts';
import { immediateTransaction, mappingErrors, openDatabase, statementCache } from './database.ts';
import {
  addAccount,
  addAlias,
  addDomain,
  directoryVersion,
  getAccount,
  getAccountById,
  getDomain,
  listAccounts,
  listAliases,
  listDomains,
  lookupAddress,
  type NewAccount,
  removeAccount,
  removeAlias,
  removeDomain,
  setPassword,
} from './directory.ts';
import { addDkimKeys, listDkimKeys } from './dkim-keys.ts';
import { importMailbox, importMessages } from './imports.ts';
import {
  getMailbox,
  getMailboxById,
  listMailboxes,
  listSubscriptions,
  openMailbox,
  readNewMailbox,
} from './mailbox-reads.ts';
import { copyMessages, createMailbox, deleteMailbox, renameMailboxes, setSubscribed } from './mailboxes.ts';
import {
  getMessages,
  getStructure,
  getStructures,
  listMessages,
  listUids,
  type MailboxStats,
  mailboxStats,
  readMessageStates,
} from './message-reads.ts';
import { expunge, isBlobReferenced, type Prepare, releaseLock, tryLock } from './messages.ts';
import { changedSince, expungedSince, updateFlagsUnchangedSince } from './modseq.ts';
import { nextDue, readQueue, removeMessage, retryQueue } from './queue.ts';
import { getSearchText, searchBacklog, searchCandidates } from './search.ts';

export class SqliteStore implements Store {
  readonly #db: DatabaseSync;
  /** A second reading connection, memory-mapped, for bodies read many at once (database.ts). */
  readonly #bulk: DatabaseSync;
  readonly #committer: DeliveryCommitter;
  /** A prepared statement, compiled once per SQL text. */
  readonly #prepare: Prepare;
  /** The same on the memory-mapped connection. */
  readonly #prepareBulk: Prepare;

  constructor(file: string) {
    this.#db = openDatabase(file);
    this.#bulk = openDatabase(file, { mmap: true });
    this.#committer = new DeliveryCommitter(file);
    this.#prepare = statementCache(this.#db);
    this.#prepareBulk = statementCache(this.#bulk);
  }

  #tx<T>(what: string, fn: () => T): T {
    return immediateTransaction(this.#db, what, fn);
  }

  #query<T>(what: string, fn: () => T): T {
    return mappingErrors(what, fn);
  }

  async addDomain(name: string): Promise<DomainRecord> {
    return this.#tx(`adding domain ${name}`, () => addDomain(this.#prepare, name));
  }

  async getDomain(name: string): Promise<DomainRecord | undefined> {
    return this.#query('reading domain', () => getDomain(this.#prepare, name));
  }

  async listDomains(): Promise<DomainRecord[]> {
    return this.#query('listing domains', () => listDomains(this.#prepare));
  }

  async addDkimKeys(
    domain: string,
    keys: readonly DkimKeyInput[],
    options: { retireActive?: boolean; now?: number } = {},
  ): Promise<DkimKeyRecord[]> {
    return this.#tx(`adding DKIM keys of ${domain}`, () =>
      addDkimKeys(this.#prepare, domain, keys, options.retireActive ?? false, options.now ?? Date.now()),
    );
  }

  async listDkimKeys(domain: string): Promise<DkimKeyRecord[]> {
    return this.#query('listing DKIM keys', () => listDkimKeys(this.#prepare, domain));
  }

  async removeDomain(name: string): Promise<void> {
    this.#tx(`removing domain ${name}`, () => removeDomain(this.#prepare, name));
  }

  async addAccount(input: NewAccount): Promise<AccountRecord> {
    return this.#tx(`adding user ${input.address}`, () => addAccount(this.#prepare, input));
  }

  async getAccount(address: string): Promise<AccountRecord | undefined> {
    return this.#query('reading user', () => getAccount(this.#prepare, address));
  }

  async getAccountById(id: number): Promise<AccountRecord | undefined> {
    return this.#query('reading user', () => getAccountById(this.#prepare, id));
  }

  async listAccounts(domain?: string): Promise<AccountRecord[]> {
    return this.#query('listing users', () => listAccounts(this.#prepare, domain));
  }

  async setPassword(address: string, passwordHash: string, scram: ScramKeys | undefined): Promise<void> {
    this.#tx(`changing password of ${address}`, () =>
      setPassword(this.#prepare, address, passwordHash, scram),
    );
  }

  async removeAccount(address: string): Promise<{ orphanBlobs: string[] }> {
    return this.#tx(`removing user ${address}`, () => removeAccount(this.#prepare, address));
  }

  async addAlias(source: string, target: string): Promise<void> {
    this.#tx(`adding alias ${source}`, () => addAlias(this.#prepare, source, target));
  }

  async removeAlias(source: string, target?: string): Promise<number> {
    return this.#tx(`removing alias ${source}`, () => removeAlias(this.#prepare, source, target));
  }

  async listAliases(source?: string): Promise<AliasRecord[]> {
    return this.#query('listing aliases', () => listAliases(this.#prepare, source));
  }

  async lookupAddress(domain: string, candidates: readonly string[]): Promise<AddressLookup> {
    return this.#query('looking up address', () => lookupAddress(this.#prepare, domain, candidates));
  }

  async directoryVersion(): Promise<number> {
    return this.#query('reading the directory version', () => directoryVersion(this.#prepare));
  }

  async listMailboxes(accountId: number): Promise<MailboxRecord[]> {
    return this.#query('listing mailboxes', () => listMailboxes(this.#prepare, accountId));
  }

  async getMailbox(accountId: number, name: string): Promise<MailboxRecord | undefined> {
    return this.#query('reading mailbox', () => getMailbox(this.#prepare, accountId, name));
  }

  async getMailboxById(id: number): Promise<MailboxRecord | undefined> {
    return this.#query('reading mailbox', () => getMailboxById(this.#prepare, id));
  }

  async createMailbox(accountId: number, name: string, specialUse?: SpecialUse): Promise<MailboxRecord> {
    return this.#tx(`creating mailbox ${name}`, () =>
      readNewMailbox(this.#prepare, createMailbox(this.#prepare, accountId, name, specialUse)),
    );
  }

  async deleteMailbox(mailboxId: number): Promise<{ orphanBlobs: string[] }> {
    return this.#tx('deleting mailbox', () => ({ orphanBlobs: deleteMailbox(this.#prepare, mailboxId) }));
  }

  async renameMailboxes(accountId: number, renames: readonly (readonly [string, string])[]): Promise<void> {
    this.#tx('renaming mailboxes', () => renameMailboxes(this.#prepare, accountId, renames));
  }

  async setSubscribed(accountId: number, name: string, subscribed: boolean): Promise<void> {
    this.#tx('changing a subscription', () => setSubscribed(this.#prepare, accountId, name, subscribed));
  }

  async listSubscriptions(accountId: number): Promise<string[]> {
    return this.#query('listing subscriptions', () => listSubscriptions(this.#prepare, accountId));
  }

  async copyMessages(
    fromMailboxId: number,
    uids: readonly number[],
    toMailboxId: number,
    move: boolean,
  ): Promise<{ copied: [number, number][]; modseq: number; expungeModseq: number | undefined }> {
    return this.#tx(move ? 'moving messages' : 'copying messages', () =>
      copyMessages(this.#prepare, fromMailboxId, uids, toMailboxId, move),
    );
  }

  async listMessages(mailboxId: number): Promise<MessageRecord[]> {
    return this.#query('listing messages', () => listMessages(this.#prepare, mailboxId));
  }

  /**
   * Through the commit worker, like deliveries: the COMMIT's fsync runs off the event loop and is
   * shared with whatever else commits then (POP3 marks thousands of messages \Seen at once).
   */
  async updateFlags(mailboxId: number, uids: readonly number[], change: FlagChange): Promise<FlagUpdate[]> {
    if (uids.length === 0) return [];
    return this.#committer.applyOp({ kind: 'flags', mailboxId, uids, change });
  }

  async updateFlagsUnchangedSince(
    mailboxId: number,
    uids: readonly number[],
    change: FlagChange,
    unchangedSince: number,
  ): Promise<ConditionalFlagResult> {
    return this.#tx('changing flags', () =>
      updateFlagsUnchangedSince(this.#prepare, mailboxId, uids, change, unchangedSince),
    );
  }

  async changedSince(mailboxId: number, modseq: number): Promise<number[]> {
    return this.#query('listing changes', () => changedSince(this.#prepare, mailboxId, modseq));
  }

  async expungedSince(mailboxId: number, modseq: number): Promise<number[] | undefined> {
    return this.#query('listing expunges', () => expungedSince(this.#prepare, mailboxId, modseq));
  }

  async expunge(
    mailboxId: number,
    uids: readonly number[],
  ): Promise<{ expunged: { uid: number; modseq: number }[]; orphanBlobs: string[] }> {
    return this.#tx('expunging messages', () => expunge(this.#prepare, mailboxId, uids));
  }

  async tryLock(name: string, owner: string, leaseMs: number): Promise<boolean> {
    return this.#tx('taking a lock', () => tryLock(this.#prepare, name, owner, leaseMs, Date.now()));
  }

  async releaseLock(name: string, owner: string): Promise<void> {
    this.#tx('releasing a lock', () => releaseLock(this.#prepare, name, owner));
  }

  async readInlineBody(blobId: string, start?: number, end?: number): Promise<Buffer | undefined> {
    return this.#query('reading message', () => readInlineBody(this.#prepare, blobId, start, end));
  }

  async readInlineBodies(blobIds: readonly string[]): Promise<Map<string, Buffer>> {
    return this.#query('reading messages', () => readInlineBodies(this.#prepareBulk, blobIds));
  }

  async mailboxStats(mailboxId: number): Promise<MailboxStats> {
    return this.#query('counting messages', () => mailboxStats(this.#prepare, mailboxId));
  }

  async listUids(mailboxId: number, afterUid?: number): Promise<number[]> {
    return this.#query('listing messages', () => listUids(this.#prepare, mailboxId, afterUid));
  }

  async getMessages(mailboxId: number, uids: readonly number[]): Promise<MessageRecord[]> {
    return this.#query('reading messages', () => getMessages(this.#prepare, mailboxId, uids));
  }

  async readMessageStates(mailboxId: number): Promise<MessageStates> {
    return this.#query('reading messages', () => readMessageStates(this.#prepare, mailboxId));
  }

  async importMailbox(input: ImportedMailbox): Promise<MailboxRecord> {
    return this.#tx(`importing mailbox ${input.name}`, () =>
      readNewMailbox(this.#prepare, importMailbox(this.#prepare, input)),
    );
  }

  async importMessages(mailboxId: number, messages: readonly ImportedMessage[]): Promise<void> {
    this.#tx('importing messages', () => importMessages(this.#prepare, mailboxId, messages));
  }

  async openMailbox(accountId: number, name: string): Promise<OpenedMailbox | undefined> {
    return this.#query('reading mailbox', () => openMailbox(this.#prepare, accountId, name));
  }

  async getStructure(blobId: string): Promise<string> {
    return this.#query('reading message structure', () => getStructure(this.#prepare, blobId));
  }

  async getStructures(blobIds: readonly string[]): Promise<Map<string, string>> {
    return this.#query('reading message structures', () => getStructures(this.#prepare, blobIds));
  }

  async searchCandidates(mailboxId: number, needles: readonly TextNeedle[]): Promise<number[]> {
    return this.#query('searching messages', () => searchCandidates(this.#prepare, mailboxId, needles));
  }

  async getSearchText(blobId: string): Promise<SearchText | undefined> {
    return this.#query('reading message text', () => getSearchText(this.#prepare, blobId));
  }

  async searchBacklog(limit: number): Promise<SearchBacklogItem[]> {
    return this.#query('reading the search backlog', () => searchBacklog(this.#prepare, limit));
  }

  indexSearchText(items: readonly { blobId: string; text: SearchText | null }[]): Promise<void> {
    return this.#committer.index([...items]);
  }

  async commitDelivery(delivery: DeliveryCommit): Promise<DeliveryResult> {
    return (await this.#committer.commit([delivery]))[0]!;
  }

  commitDeliveries(deliveries: readonly DeliveryCommit[]): Promise<DeliveryResult[]> {
    if (deliveries.length === 0) return Promise.resolve([]);
    return this.#committer.commit(deliveries);
  }

  async listQueue(): Promise<QueueMessageRecord[]> {
    return this.#query('listing the queue', () => readQueue(this.#prepare, undefined));
  }

  async getQueued(id: number): Promise<QueueMessageRecord | undefined> {
    return this.#query('reading the queue', () => readQueue(this.#prepare, id)[0]);
  }

  // The runner's writes go to the commit worker: concurrent ones share a transaction (and its
  // fsync) with each other and with deliveries, off the event loop.
  claimQueue(now: number, leaseMs: number, limit: number): Promise<QueueBatch[]> {
    return this.#committer.applyOp({ kind: 'claim', now, leaseMs, limit });
  }

  recordQueueOutcomes(
    messageId: number,
    leaseUntil: number,
    outcomes: readonly QueueOutcome[],
  ): Promise<{ applied: number; removed: boolean; orphanBlobs: string[] }> {
    return this.#committer.applyOp({ kind: 'record', messageId, leaseUntil, outcomes });
  }

  renewQueueLease(
    recipientIds: readonly number[],
    leaseUntil: number,
    newLeaseUntil: number,
  ): Promise<number> {
    return this.#committer.applyOp({ kind: 'renew', ids: recipientIds, leaseUntil, next: newLeaseUntil });
  }

  async retryQueue(id: number | undefined, now: number): Promise<number> {
    const count = this.#tx('rescheduling the queue', () => retryQueue(this.#prepare, id, now));
    if (count < 0) throw new LoftError('NOTFOUND', `no queued message ${id}`);
    return count;
  }

  async removeQueued(id: number): Promise<{ orphanBlobs: string[] }> {
    const orphanBlobs = this.#tx('removing a queued message', () => removeMessage(this.#prepare, id));
    if (!orphanBlobs) throw new LoftError('NOTFOUND', `no queued message ${id}`);
    return { orphanBlobs };
  }

  async nextQueueDue(): Promise<number | undefined> {
    return this.#query('reading the queue', () => nextDue(this.#prepare));
  }

  async isBlobReferenced(blobId: string): Promise<boolean> {
    return this.#query('checking blob', () => isBlobReferenced(this.#prepare, blobId));
  }

  async close(): Promise<void> {
    await this.#committer.close();
    this.#bulk.close();
    this.#db.close();
  }
}
