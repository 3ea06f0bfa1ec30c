/**
 * The scale-out backend: PostgreSQL (pg), shared by several Loft processes. The schema and the
 * semantics are those of the SQLite backend (the same contract suite runs on both); what differs
 * is concurrency: row locks on the mailbox keep UIDs and MODSEQs strictly increasing across
 * processes, and leases in `locks` hold across processes too.
 */

import { LoftError } from '../../core/errors.ts';
import type { MailboxChange, MailboxEvents } from '../../core/events.ts';
import type {
  AccountRecord,
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
import { uidSpan } from '../uid-span.ts';
import { ChangeFeed, channelOf, newOrigin, notifyChanges } from './change-feed.ts';
import { mapPgError, PgDatabase, type PgOptions, type Queryable, type Row } from './database.ts';
import { applyDelivery, applySimpleDelivery, indexTexts } from './deliveries.ts';
import { DeliveryBatcher } from './delivery-batch.ts';
import { addDkimKeys, listDkimKeys } from './dkim-keys.ts';
import { importMailbox, importMessages } from './imports.ts';
import {
  copyMessages,
  createMailbox,
  deleteMailbox,
  MAILBOX_COLUMNS,
  renameMailboxes,
  setSubscribed,
} from './mailboxes.ts';
import { dropUnusedBlobs, expunge, releaseLock, tryLock, updateFlags } from './messages.ts';
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
import { toAccount, toDomain, toMailbox, toMessage } from './rows.ts';
import { foldsUnicode, getSearchText, searchBacklog, searchCandidates } from './search.ts';

export class PostgresStore implements Store {
  readonly #db: PgDatabase;
  readonly #url: string;
  readonly #foldsUnicode: boolean;
  readonly #channel: string;
  /** This store's id in notifications, so its own changes are not published twice. */
  readonly #origin = newOrigin();
  #feed: ChangeFeed | undefined;
  /** Group commit of concurrent deliveries (delivery-batch.ts). */
  readonly #deliveries: DeliveryBatcher;

  private constructor(db: PgDatabase, url: string, folds: boolean) {
    this.#db = db;
    this.#url = url;
    this.#foldsUnicode = folds;
    this.#channel = channelOf(db.schema);
    this.#deliveries = new DeliveryBatcher({
      one: (delivery) => this.#commitOne(delivery),
      tx: (fn) => this.#db.tx('storing messages', fn),
      apply: (db, delivery) => this.#applyDelivery(db, delivery),
    });
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
    });
    await feed.start().catch((err: unknown) => {
      throw mapPgError(err, 'listening for changes');
    });
    this.#feed = feed;
  }

  async addDomain(name: string): Promise<DomainRecord> {
    return this.#db.tx(`adding domain ${name}`, async (db) => {
      const { rows } = await db.query('INSERT INTO domains (name, created_at) VALUES ($1, $2) RETURNING *', [
        name,
        Date.now(),
      ]);
      return toDomain(rows[0] as Row);
    });
  }

  async getDomain(name: string): Promise<DomainRecord | undefined> {
    const { rows } = await this.#db.read('reading domain', (db) =>
      db.query('SELECT * FROM domains WHERE name = $1', [name]),
    );
    return rows[0] ? toDomain(rows[0]) : undefined;
  }

  async listDomains(): Promise<DomainRecord[]> {
    const { rows } = await this.#db.read('listing domains', (db) =>
      db.query('SELECT * FROM domains ORDER BY name'),
    );
    return rows.map(toDomain);
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
    await this.#db.tx(`removing domain ${name}`, async (db) => {
      const domain = (await db.query('SELECT id FROM domains WHERE name = $1 FOR UPDATE', [name])).rows[0];
      if (!domain) throw new LoftError('NOTFOUND', `no domain ${name}`);
      const users = (await db.query('SELECT count(*) AS n FROM accounts WHERE domain_id = $1', [domain.id]))
        .rows[0] as Row;
      if ((users.n as number) > 0)
        throw new LoftError('INUSE', `domain ${name} still has ${users.n} user(s)`);
      await db.query("DELETE FROM aliases WHERE source LIKE '%@' || $1", [name]);
      await db.query('DELETE FROM domains WHERE id = $1', [domain.id]);
    });
  }

  async addAccount(input: {
    address: string;
    domainId: number;
    passwordHash: string;
    scram: ScramKeys | undefined;
    mailboxes: { name: string; specialUse: SpecialUse | undefined }[];
  }): Promise<AccountRecord> {
    return this.#db.tx(`adding user ${input.address}`, async (db) => {
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
    });
  }

  async getAccount(address: string): Promise<AccountRecord | undefined> {
    const { rows } = await this.#db.read('reading user', (db) =>
      db.query('SELECT * FROM accounts WHERE address = $1', [address]),
    );
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  async getAccountById(id: number): Promise<AccountRecord | undefined> {
    const { rows } = await this.#db.read('reading user', (db) =>
      db.query('SELECT * FROM accounts WHERE id = $1', [id]),
    );
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  async listAccounts(domain?: string): Promise<AccountRecord[]> {
    const { rows } = await this.#db.read('listing users', (db) =>
      domain === undefined
        ? db.query('SELECT * FROM accounts ORDER BY address')
        : db.query(
            'SELECT a.* FROM accounts a JOIN domains d ON d.id = a.domain_id WHERE d.name = $1 ORDER BY address',
            [domain],
          ),
    );
    return rows.map(toAccount);
  }

  async setPassword(address: string, passwordHash: string, scram: ScramKeys | undefined): Promise<void> {
    await this.#db.tx(`changing password of ${address}`, async (db) => {
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
    });
  }

  async removeAccount(address: string): Promise<{ orphanBlobs: string[] }> {
    return this.#db.tx(`removing user ${address}`, async (db) => {
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
    });
  }

  async addAlias(source: string, target: string): Promise<void> {
    await this.#db.tx(`adding alias ${source}`, (db) =>
      db.query('INSERT INTO aliases (source, target) VALUES ($1, $2)', [source, target]),
    );
  }

  async removeAlias(source: string, target?: string): Promise<number> {
    return this.#db.tx(`removing alias ${source}`, async (db) => {
      const result =
        target === undefined
          ? await db.query('DELETE FROM aliases WHERE source = $1', [source])
          : await db.query('DELETE FROM aliases WHERE source = $1 AND target = $2', [source, target]);
      return result.rowCount ?? 0;
    });
  }

  async listAliases(source?: string): Promise<AliasRecord[]> {
    const { rows } = await this.#db.read('listing aliases', (db) =>
      source === undefined
        ? db.query('SELECT source, target FROM aliases ORDER BY source, target')
        : db.query('SELECT source, target FROM aliases WHERE source = $1 ORDER BY target', [source]),
    );
    return rows.map((row) => ({ source: row.source as string, target: row.target as string }));
  }

  async listMailboxes(accountId: number): Promise<MailboxRecord[]> {
    const { rows } = await this.#db.read('listing mailboxes', (db) =>
      db.query(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE account_id = $1 ORDER BY name`, [accountId]),
    );
    return rows.map(toMailbox);
  }

  async getMailbox(accountId: number, name: string): Promise<MailboxRecord | undefined> {
    const { rows } = await this.#db.read('reading mailbox', (db) =>
      db.query(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE account_id = $1 AND name = $2`, [
        accountId,
        name,
      ]),
    );
    return rows[0] ? toMailbox(rows[0]) : undefined;
  }

  async getMailboxById(id: number): Promise<MailboxRecord | undefined> {
    const { rows } = await this.#db.read('reading mailbox', (db) =>
      db.query(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE id = $1`, [id]),
    );
    return rows[0] ? toMailbox(rows[0]) : undefined;
  }

  async createMailbox(accountId: number, name: string, specialUse?: SpecialUse): Promise<MailboxRecord> {
    return this.#db.tx(`creating mailbox ${name}`, async (db) => {
      const id = await createMailbox(db, accountId, name, specialUse);
      const { rows } = await db.query(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE id = $1`, [id]);
      return toMailbox(rows[0] as Row);
    });
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
    const { rows } = await this.#db.read('listing subscriptions', (db) =>
      db.query('SELECT name FROM subscriptions WHERE account_id = $1 ORDER BY name', [accountId]),
    );
    return rows.map((r) => r.name as string);
  }

  async copyMessages(
    fromMailboxId: number,
    uids: readonly number[],
    toMailboxId: number,
    move: boolean,
  ): Promise<{ copied: [number, number][]; modseq: number; expungeModseq: number | undefined }> {
    return this.#db.tx(move ? 'moving messages' : 'copying messages', async (db) => {
      const result = await copyMessages(db, fromMailboxId, uids, toMailboxId, move);
      await this.#notify(db, [
        ...result.copied.map(
          ([, uid]): MailboxChange => ({
            kind: 'append',
            mailboxId: toMailboxId,
            uid,
            modseq: result.modseq,
          }),
        ),
        ...(result.expungeModseq === undefined
          ? []
          : result.copied.map(
              ([uid]): MailboxChange => ({
                kind: 'expunge',
                mailboxId: fromMailboxId,
                uid,
                modseq: result.expungeModseq!,
              }),
            )),
      ]);
      return result;
    });
  }

  async listMessages(mailboxId: number): Promise<MessageRecord[]> {
    const { rows } = await this.#db.read('listing messages', (db) =>
      db.query('SELECT * FROM messages WHERE mailbox_id = $1 ORDER BY uid', [mailboxId]),
    );
    return rows.map(toMessage);
  }

  async mailboxStats(
    mailboxId: number,
  ): Promise<{ messages: number; unseen: number; deleted: number; size: number }> {
    const { rows } = await this.#db.read('counting messages', (db) =>
      db.query(
        `SELECT count(*) AS messages, count(*) FILTER (WHERE flags & 1 = 0) AS unseen,
           count(*) FILTER (WHERE flags & 8 != 0) AS deleted, coalesce(sum(size), 0)::bigint AS size
         FROM messages WHERE mailbox_id = $1`,
        [mailboxId],
      ),
    );
    const row = rows[0] as Row;
    return {
      messages: row.messages as number,
      unseen: row.unseen as number,
      deleted: row.deleted as number,
      size: row.size as number,
    };
  }

  async listUids(mailboxId: number, afterUid = 0): Promise<number[]> {
    const { rows } = await this.#db.read('listing messages', (db) =>
      db.query('SELECT uid FROM messages WHERE mailbox_id = $1 AND uid > $2 ORDER BY uid', [
        mailboxId,
        afterUid,
      ]),
    );
    return rows.map((r) => r.uid as number);
  }

  async getMessages(mailboxId: number, uids: readonly number[]): Promise<MessageRecord[]> {
    if (uids.length === 0) return [];
    const span = uidSpan(uids);
    if (span) {
      // A dense ascending set (a FETCH of a range): read by UID span.
      const { rows } = await this.#db.read('reading messages', (db) =>
        db.query('SELECT * FROM messages WHERE mailbox_id = $1 AND uid BETWEEN $2 AND $3 ORDER BY uid', [
          mailboxId,
          span.first,
          span.last,
        ]),
      );
      if (span.whole) return rows.map(toMessage);
      const wanted = new Set(uids);
      return rows.map(toMessage).filter((m) => wanted.has(m.uid));
    }
    const { rows } = await this.#db.read('reading messages', (db) =>
      db.query('SELECT * FROM messages WHERE mailbox_id = $1 AND uid = ANY($2::bigint[]) ORDER BY uid', [
        mailboxId,
        uids,
      ]),
    );
    return rows.map(toMessage);
  }

  async updateFlags(mailboxId: number, uids: readonly number[], change: FlagChange): Promise<FlagUpdate[]> {
    return this.#db.tx('changing flags', async (db) => {
      const updates = await updateFlags(db, mailboxId, uids, change);
      await this.#notify(
        db,
        updates.map((u): MailboxChange => ({ kind: 'flags', mailboxId, uid: u.uid, modseq: u.modseq })),
      );
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
      await this.#notify(
        db,
        result.updated.map(
          (u): MailboxChange => ({ kind: 'flags', mailboxId, uid: u.uid, modseq: u.modseq }),
        ),
      );
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
      await this.#notify(
        db,
        result.expunged.map(
          (e): MailboxChange => ({ kind: 'expunge', mailboxId, uid: e.uid, modseq: e.modseq }),
        ),
      );
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
    const from = start ?? 0;
    const { rows } = await this.#db.read('reading message', (db) =>
      from === 0 && end === undefined
        ? db.query('SELECT data FROM blob_data WHERE id = $1', [blobId])
        : end === undefined
          ? db.query('SELECT substring(data FROM $2::int) AS data FROM blob_data WHERE id = $1', [
              blobId,
              from + 1,
            ])
          : db.query('SELECT substring(data FROM $2::int FOR $3::int) AS data FROM blob_data WHERE id = $1', [
              blobId,
              from + 1,
              Math.max(0, end - from),
            ]),
    );
    return (rows[0]?.data as Buffer | undefined) ?? undefined;
  }

  async readInlineBodies(blobIds: readonly string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    if (blobIds.length === 0) return out;
    const { rows } = await this.#db.read('reading messages', (db) =>
      db.query('SELECT id, data FROM blob_data WHERE id = ANY($1::text[])', [blobIds]),
    );
    for (const row of rows) out.set(row.id as string, row.data as Buffer);
    return out;
  }

  async searchBacklog(limit: number): Promise<SearchBacklogItem[]> {
    return this.#db.read('reading the search backlog', (db) => searchBacklog(db, limit, this.#origin));
  }

  async indexSearchText(items: readonly { blobId: string; text: SearchText | null }[]): Promise<void> {
    await this.#db.tx('indexing message text', (db) => indexTexts(db, items));
  }

  async importMailbox(input: ImportedMailbox): Promise<MailboxRecord> {
    return this.#db.tx(`importing mailbox ${input.name}`, async (db) => {
      const id = await importMailbox(db, input);
      const { rows } = await db.query(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE id = $1`, [id]);
      return toMailbox(rows[0] as Row);
    });
  }

  async importMessages(mailboxId: number, messages: readonly ImportedMessage[]): Promise<void> {
    await this.#db.tx('importing messages', (db) => importMessages(db, mailboxId, messages));
  }

  async firstUnseenUid(mailboxId: number): Promise<number | undefined> {
    const { rows } = await this.#db.read('reading messages', (db) =>
      db.query('SELECT min(uid) AS uid FROM messages WHERE mailbox_id = $1 AND (flags & 1) = 0', [mailboxId]),
    );
    return (rows[0]?.uid as number | null) ?? undefined;
  }

  async getStructure(blobId: string): Promise<string> {
    const { rows } = await this.#db.read('reading message structure', (db) =>
      db.query('SELECT structure FROM blobs WHERE id = $1', [blobId]),
    );
    if (!rows[0]) throw new LoftError('NOTFOUND', `no blob ${blobId}`);
    return rows[0].structure as string;
  }

  async getStructures(blobIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (blobIds.length === 0) return out;
    const { rows } = await this.#db.read('reading message structures', (db) =>
      db.query('SELECT id, structure FROM blobs WHERE id = ANY($1::text[])', [blobIds]),
    );
    for (const row of rows) out.set(row.id as string, row.structure as string);
    return out;
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

  /** One delivery in a transaction of its own: one statement for the common kind. */
  async #commitOne(delivery: DeliveryCommit): Promise<DeliveryResult> {
    const simple = await this.#db.read('storing message', (db) =>
      applySimpleDelivery(db, delivery, this.#channel, this.#origin),
    );
    if (simple) return simple;
    return this.#db.tx('storing message', (db) => this.#applyDelivery(db, delivery));
  }

  /** One delivery inside the caller's transaction, with its notification. */
  async #applyDelivery(db: Queryable, delivery: DeliveryCommit): Promise<DeliveryResult> {
    const simple = await applySimpleDelivery(db, delivery, this.#channel, this.#origin);
    if (simple) return simple;
    const result = await applyDelivery(db, delivery);
    await this.#notify(db, appended(result));
    return result;
  }

  async commitDeliveries(deliveries: readonly DeliveryCommit[]): Promise<DeliveryResult[]> {
    return this.#db.tx('storing messages', async (db) => {
      const results: DeliveryResult[] = [];
      for (const delivery of deliveries) results.push(await applyDelivery(db, delivery));
      await this.#notify(db, results.flatMap(appended));
      return results;
    });
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
    const { rows } = await this.#db.read('checking blob', (db) =>
      db.query('SELECT EXISTS (SELECT 1 FROM blobs WHERE id = $1) AS used', [blobId]),
    );
    return rows[0]?.used === true;
  }

  async close(): Promise<void> {
    await this.#feed?.close();
    await this.#db.close();
  }
}

function appended(result: DeliveryResult): MailboxChange[] {
  return result.placed.map((p) => ({ kind: 'append', mailboxId: p.mailboxId, uid: p.uid, modseq: p.modseq }));
}
