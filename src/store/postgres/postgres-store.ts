/**
 * The scale-out backend: PostgreSQL (pg), shared by several Loft processes. The schema and the
 * semantics are those of the SQLite backend (the same contract suite runs on both); what differs
 * is concurrency: row locks on the mailbox keep UIDs and MODSEQs strictly increasing across
 * processes, and leases in `locks` hold across processes too.
 */

import { LoftError } from '../../core/errors.ts';
import type { MailboxChange, MailboxEvents } from '../../core/events.ts';
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
import { ChangeFeed, channelOf, newOrigin, notifyChanges } from './change-feed.ts';
import { mapPgError, PgDatabase, type PgOptions, type Queryable } from './database.ts';
import { indexTexts } from './deliveries.ts';
import { DeliveryWriter } from './delivery-commit.ts';
import {
  addAccount,
  addAlias,
  addDomain,
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
  storedDirectoryVersion,
} from './directory.ts';
import { addDkimKeys, listDkimKeys } from './dkim-keys.ts';
import { importMailbox, importMessages } from './imports.ts';
import { copyChanges, expungeChanges, flagChanges } from './mailbox-changes.ts';
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
import { expunge, isBlobReferenced, releaseLock, tryLock, updateFlags } from './messages.ts';
import { changedSince, expungedSince, updateFlagsUnchangedSince } from './modseq.ts';
import {
  claimQueue,
  nextDue,
  readQueue,
  recordOutcomes,
  removeMessage,
  renewLease,
  retryQueue,
} from './queue.ts';
import { foldsUnicode, getSearchText, searchBacklog, searchCandidates } from './search.ts';

export class PostgresStore implements Store {
  readonly #db: PgDatabase;
  readonly #url: string;
  readonly #foldsUnicode: boolean;
  readonly #channel: string;
  /** This store's id in notifications, so its own changes are not published twice. */
  readonly #origin = newOrigin();
  #feed: ChangeFeed | undefined;
  readonly #deliveries: DeliveryWriter;

  private constructor(db: PgDatabase, url: string, folds: boolean) {
    this.#db = db;
    this.#url = url;
    this.#foldsUnicode = folds;
    this.#channel = channelOf(db.schema);
    this.#deliveries = new DeliveryWriter(db, this.#channel, this.#origin);
  }

  /** Connects to `url` (postgres://…), migrating the schema if needed. */
  static async open(url: string, options: PgOptions = {}): Promise<PostgresStore> {
    const db = await PgDatabase.open(url, options);
    return new PostgresStore(db, url, await foldsUnicode(db));
  }

  /** Sends the changes to the other processes, delivered when the caller's transaction commits. */
  #notify(db: Queryable, changes: readonly MailboxChange[]): Promise<void> {
    return notifyChanges(db, this.#channel, this.#origin, changes);
  }

  async watch(events: MailboxEvents): Promise<void> {
    if (this.#feed) return;
    const feed = new ChangeFeed({
      url: this.#url,
      channel: this.#channel,
      origin: this.#origin,
      onChange: (change) => events.publish(change),
      onResync: () => events.resyncAll(),
      directorySchema: this.#db.schema,
    });
    await feed.start().catch((err: unknown) => {
      throw mapPgError(err, 'listening for changes');
    });
    this.#feed = feed;
  }

  async addDomain(name: string): Promise<DomainRecord> {
    return this.#db.tx(`adding domain ${name}`, (db) => addDomain(db, name));
  }

  async getDomain(name: string): Promise<DomainRecord | undefined> {
    return this.#db.read('reading domain', (db) => getDomain(db, name));
  }

  async listDomains(): Promise<DomainRecord[]> {
    return this.#db.read('listing domains', (db) => listDomains(db));
  }

  async addDkimKeys(
    domain: string,
    keys: readonly DkimKeyInput[],
    options: { retireActive?: boolean; now?: number } = {},
  ): Promise<DkimKeyRecord[]> {
    return this.#db.tx(`adding DKIM keys of ${domain}`, (db) =>
      addDkimKeys(db, domain, keys, options.retireActive ?? false, options.now ?? Date.now()),
    );
  }

  async listDkimKeys(domain: string): Promise<DkimKeyRecord[]> {
    return this.#db.read('listing DKIM keys', (db) => listDkimKeys(db, domain));
  }

  async removeDomain(name: string): Promise<void> {
    await this.#db.tx(`removing domain ${name}`, (db) => removeDomain(db, name));
  }

  async addAccount(input: NewAccount): Promise<AccountRecord> {
    return this.#db.tx(`adding user ${input.address}`, (db) => addAccount(db, input));
  }

  async getAccount(address: string): Promise<AccountRecord | undefined> {
    return this.#db.read('reading user', (db) => getAccount(db, address));
  }

  async getAccountById(id: number): Promise<AccountRecord | undefined> {
    return this.#db.read('reading user', (db) => getAccountById(db, id));
  }

  async listAccounts(domain?: string): Promise<AccountRecord[]> {
    return this.#db.read('listing users', (db) => listAccounts(db, domain));
  }

  async setPassword(address: string, passwordHash: string, scram: ScramKeys | undefined): Promise<void> {
    await this.#db.tx(`changing password of ${address}`, (db) =>
      setPassword(db, address, passwordHash, scram),
    );
  }

  async removeAccount(address: string): Promise<{ orphanBlobs: string[] }> {
    return this.#db.tx(`removing user ${address}`, (db) => removeAccount(db, address));
  }

  async addAlias(source: string, target: string): Promise<void> {
    await this.#db.tx(`adding alias ${source}`, (db) => addAlias(db, source, target));
  }

  async removeAlias(source: string, target?: string): Promise<number> {
    return this.#db.tx(`removing alias ${source}`, (db) => removeAlias(db, source, target));
  }

  async listAliases(source?: string): Promise<AliasRecord[]> {
    return this.#db.read('listing aliases', (db) => listAliases(db, source));
  }

  async lookupAddress(domain: string, candidates: readonly string[]): Promise<AddressLookup> {
    return this.#db.read('looking up address', (db) => lookupAddress(db, domain, candidates));
  }

  /**
   * While the store follows the change feed, the version it keeps from the feed's notifications,
   * without a round trip: a change by another process counts once its notification arrives
   * (milliseconds after its commit), and a reconnection counts as a change. Otherwise, the
   * version stored in the database.
   */
  async directoryVersion(): Promise<number> {
    if (this.#feed?.listening) return this.#feed.directoryVersion;
    // Not listening: the stored version, negative so it never equals one kept from the feed.
    return -1 - (await this.#db.read('reading the directory version', storedDirectoryVersion));
  }

  async listMailboxes(accountId: number): Promise<MailboxRecord[]> {
    return this.#db.read('listing mailboxes', (db) => listMailboxes(db, accountId));
  }

  async getMailbox(accountId: number, name: string): Promise<MailboxRecord | undefined> {
    return this.#db.read('reading mailbox', (db) => getMailbox(db, accountId, name));
  }

  async getMailboxById(id: number): Promise<MailboxRecord | undefined> {
    return this.#db.read('reading mailbox', (db) => getMailboxById(db, id));
  }

  async createMailbox(accountId: number, name: string, specialUse?: SpecialUse): Promise<MailboxRecord> {
    return this.#db.tx(`creating mailbox ${name}`, async (db) =>
      readNewMailbox(db, await createMailbox(db, accountId, name, specialUse)),
    );
  }

  async deleteMailbox(mailboxId: number): Promise<{ orphanBlobs: string[] }> {
    return this.#db.tx('deleting mailbox', async (db) => ({
      orphanBlobs: await deleteMailbox(db, mailboxId),
    }));
  }

  async renameMailboxes(accountId: number, renames: readonly (readonly [string, string])[]): Promise<void> {
    await this.#db.tx('renaming mailboxes', (db) => renameMailboxes(db, accountId, renames));
  }

  async setSubscribed(accountId: number, name: string, subscribed: boolean): Promise<void> {
    await this.#db.tx('changing a subscription', (db) => setSubscribed(db, accountId, name, subscribed));
  }

  async listSubscriptions(accountId: number): Promise<string[]> {
    return this.#db.read('listing subscriptions', (db) => listSubscriptions(db, accountId));
  }

  async copyMessages(
    fromMailboxId: number,
    uids: readonly number[],
    toMailboxId: number,
    move: boolean,
  ): Promise<{ copied: [number, number][]; modseq: number; expungeModseq: number | undefined }> {
    return this.#db.tx(move ? 'moving messages' : 'copying messages', async (db) => {
      const result = await copyMessages(db, fromMailboxId, uids, toMailboxId, move);
      await this.#notify(db, copyChanges(fromMailboxId, toMailboxId, result));
      return result;
    });
  }

  async listMessages(mailboxId: number): Promise<MessageRecord[]> {
    return this.#db.read('listing messages', (db) => listMessages(db, mailboxId));
  }

  async mailboxStats(mailboxId: number): Promise<MailboxStats> {
    return this.#db.read('counting messages', (db) => mailboxStats(db, mailboxId));
  }

  async listUids(mailboxId: number, afterUid = 0): Promise<number[]> {
    return this.#db.read('listing messages', (db) => listUids(db, mailboxId, afterUid));
  }

  async getMessages(mailboxId: number, uids: readonly number[]): Promise<MessageRecord[]> {
    return this.#db.read('reading messages', (db) => getMessages(db, mailboxId, uids));
  }

  async readMessageStates(mailboxId: number): Promise<MessageStates> {
    return this.#db.read('reading messages', (db) => readMessageStates(db, mailboxId));
  }

  async updateFlags(mailboxId: number, uids: readonly number[], change: FlagChange): Promise<FlagUpdate[]> {
    return this.#db.tx('changing flags', async (db) => {
      const updates = await updateFlags(db, mailboxId, uids, change);
      await this.#notify(db, flagChanges(mailboxId, updates));
      return updates;
    });
  }

  async updateFlagsUnchangedSince(
    mailboxId: number,
    uids: readonly number[],
    change: FlagChange,
    unchangedSince: number,
  ): Promise<ConditionalFlagResult> {
    return this.#db.tx('changing flags', async (db) => {
      const result = await updateFlagsUnchangedSince(db, mailboxId, uids, change, unchangedSince);
      await this.#notify(db, flagChanges(mailboxId, result.updated));
      return result;
    });
  }

  async changedSince(mailboxId: number, modseq: number): Promise<number[]> {
    return this.#db.read('reading changes', (db) => changedSince(db, mailboxId, modseq));
  }

  async expungedSince(mailboxId: number, modseq: number): Promise<number[] | undefined> {
    return this.#db.read('reading expunges', (db) => expungedSince(db, mailboxId, modseq));
  }

  async expunge(
    mailboxId: number,
    uids: readonly number[],
  ): Promise<{ expunged: { uid: number; modseq: number }[]; orphanBlobs: string[] }> {
    return this.#db.tx('expunging messages', async (db) => {
      const result = await expunge(db, mailboxId, uids);
      await this.#notify(db, expungeChanges(mailboxId, result.expunged));
      return result;
    });
  }

  async tryLock(name: string, owner: string, leaseMs: number): Promise<boolean> {
    return this.#db.tx('taking a lock', (db) => tryLock(db, name, owner, leaseMs, Date.now()));
  }

  async releaseLock(name: string, owner: string): Promise<void> {
    await this.#db.tx('releasing a lock', (db) => releaseLock(db, name, owner));
  }

  async readInlineBody(blobId: string, start?: number, end?: number): Promise<Buffer | undefined> {
    return this.#db.read('reading message', (db) => readInlineBody(db, blobId, start, end));
  }

  async readInlineBodies(blobIds: readonly string[]): Promise<Map<string, Buffer>> {
    return this.#db.read('reading messages', (db) => readInlineBodies(db, blobIds));
  }

  async searchBacklog(limit: number): Promise<SearchBacklogItem[]> {
    return this.#db.read('reading the search backlog', (db) => searchBacklog(db, limit, this.#origin));
  }

  async indexSearchText(items: readonly { blobId: string; text: SearchText | null }[]): Promise<void> {
    await this.#db.tx('indexing message text', (db) => indexTexts(db, items));
  }

  async importMailbox(input: ImportedMailbox): Promise<MailboxRecord> {
    return this.#db.tx(`importing mailbox ${input.name}`, async (db) =>
      readNewMailbox(db, await importMailbox(db, input)),
    );
  }

  async importMessages(mailboxId: number, messages: readonly ImportedMessage[]): Promise<void> {
    await this.#db.tx('importing messages', (db) => importMessages(db, mailboxId, messages));
  }

  async openMailbox(accountId: number, name: string): Promise<OpenedMailbox | undefined> {
    return this.#db.read('reading mailbox', (db) => openMailbox(db, accountId, name));
  }

  async getStructure(blobId: string): Promise<string> {
    return this.#db.read('reading message structure', (db) => getStructure(db, blobId));
  }

  async getStructures(blobIds: readonly string[]): Promise<Map<string, string>> {
    return this.#db.read('reading message structures', (db) => getStructures(db, blobIds));
  }

  async searchCandidates(mailboxId: number, needles: readonly TextNeedle[]): Promise<number[]> {
    return this.#db.read('searching messages', (db) =>
      searchCandidates(db, mailboxId, needles, this.#foldsUnicode),
    );
  }

  async getSearchText(blobId: string): Promise<SearchText | undefined> {
    return this.#db.read('reading message text', (db) => getSearchText(db, blobId));
  }

  commitDelivery(delivery: DeliveryCommit): Promise<DeliveryResult> {
    return this.#deliveries.commit(delivery);
  }

  commitDeliveries(deliveries: readonly DeliveryCommit[]): Promise<DeliveryResult[]> {
    return this.#deliveries.commitAll(deliveries);
  }

  async listQueue(): Promise<QueueMessageRecord[]> {
    return this.#db.read('listing the queue', (db) => readQueue(db, undefined));
  }

  async getQueued(id: number): Promise<QueueMessageRecord | undefined> {
    return (await this.#db.read('reading the queue', (db) => readQueue(db, id)))[0];
  }

  claimQueue(now: number, leaseMs: number, limit: number): Promise<QueueBatch[]> {
    return this.#db.tx('claiming queued messages', (db) => claimQueue(db, now, leaseMs, limit));
  }

  recordQueueOutcomes(
    messageId: number,
    leaseUntil: number,
    outcomes: readonly QueueOutcome[],
  ): Promise<{ applied: number; removed: boolean; orphanBlobs: string[] }> {
    return this.#db.tx('recording delivery outcomes', (db) =>
      recordOutcomes(db, messageId, leaseUntil, outcomes),
    );
  }

  renewQueueLease(
    recipientIds: readonly number[],
    leaseUntil: number,
    newLeaseUntil: number,
  ): Promise<number> {
    return this.#db.tx('renewing a lease', (db) => renewLease(db, recipientIds, leaseUntil, newLeaseUntil));
  }

  async retryQueue(id: number | undefined, now: number): Promise<number> {
    const count = await this.#db.tx('rescheduling the queue', (db) => retryQueue(db, id, now));
    if (count < 0) throw new LoftError('NOTFOUND', `no queued message ${id}`);
    return count;
  }

  async removeQueued(id: number): Promise<{ orphanBlobs: string[] }> {
    const orphanBlobs = await this.#db.tx('removing a queued message', (db) => removeMessage(db, id));
    if (!orphanBlobs) throw new LoftError('NOTFOUND', `no queued message ${id}`);
    return { orphanBlobs };
  }

  nextQueueDue(): Promise<number | undefined> {
    return this.#db.read('reading the queue', (db) => nextDue(db));
  }

  async isBlobReferenced(blobId: string): Promise<boolean> {
    return this.#db.read('checking blob', (db) => isBlobReferenced(db, blobId));
  }

  async close(): Promise<void> {
    await this.#feed?.close();
    await this.#db.close();
  }
}
