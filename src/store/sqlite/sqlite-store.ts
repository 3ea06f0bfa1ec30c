/**
 * The embedded default backend: one SQLite file in the data folder (node:sqlite, WAL,
 * synchronous=FULL). Statements are synchronous under the hood; the interface is asynchronous so
 * the PostgreSQL backend can implement it alike.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { LoftError } from '../../core/errors.ts';
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
import { readInlineBodies, readInlineBody } from './blob-data.ts';
import { DeliveryCommitter } from './committer.ts';
import { mapSqliteError, openDatabase } from './database.ts';
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
import {
  getMessages,
  getStructures,
  listMessages,
  listUids,
  type MailboxStats,
  mailboxStats,
} from './message-reads.ts';
import { dropUnusedBlobs, expunge, releaseLock, tryLock, updateFlags } from './messages.ts';
import { changedSince, expungedSince, updateFlagsUnchangedSince } from './modseq.ts';
import { nextDue, readQueue, removeMessage, retryQueue } from './queue.ts';
import { type Row, toAccount, toDomain, toMailbox } from './rows.ts';
import { getSearchText, searchBacklog, searchCandidates } from './search.ts';

export class SqliteStore implements Store {
  readonly #db: DatabaseSync;
  readonly #committer: DeliveryCommitter;
  readonly #statements = new Map<string, StatementSync>();

  constructor(file: string) {
    this.#db = openDatabase(file);
    this.#committer = new DeliveryCommitter(file);
  }

  readonly #prepare = (sql: string): StatementSync => this.#stmt(sql);

  /** A prepared statement, compiled once per SQL text. */
  #stmt(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `fn` in an immediate transaction, mapping SQLite errors to domain errors. */
  #tx<T>(what: string, fn: () => T): T {
    try {
      this.#db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      throw mapSqliteError(err, what);
    }
    try {
      const result = fn();
      this.#db.exec('COMMIT');
      return result;
    } catch (err) {
      try {
        this.#db.exec('ROLLBACK');
      } catch {
        // already rolled back
      }
      throw mapSqliteError(err, what);
    }
  }

  #query<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw mapSqliteError(err, what);
    }
  }

  async addDomain(name: string): Promise<DomainRecord> {
    return this.#tx(`adding domain ${name}`, () => {
      const row = this.#stmt('INSERT INTO domains (name, created_at) VALUES (?, ?) RETURNING *').get(
        name,
        Date.now(),
      ) as Row;
      return toDomain(row);
    });
  }

  async getDomain(name: string): Promise<DomainRecord | undefined> {
    const row = this.#query('reading domain', () =>
      this.#stmt('SELECT * FROM domains WHERE name = ?').get(name),
    ) as Row | undefined;
    return row ? toDomain(row) : undefined;
  }

  async listDomains(): Promise<DomainRecord[]> {
    const rows = this.#query('listing domains', () =>
      this.#stmt('SELECT * FROM domains ORDER BY name').all(),
    ) as Row[];
    return rows.map(toDomain);
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
    this.#tx(`removing domain ${name}`, () => {
      const domain = this.#stmt('SELECT id FROM domains WHERE name = ?').get(name) as Row | undefined;
      if (!domain) throw new LoftError('NOTFOUND', `no domain ${name}`);
      const users = this.#stmt('SELECT count(*) AS n FROM accounts WHERE domain_id = ?').get(
        domain.id as number,
      ) as Row;
      if ((users.n as number) > 0)
        throw new LoftError('INUSE', `domain ${name} still has ${users.n} user(s)`);
      this.#stmt("DELETE FROM aliases WHERE source LIKE '%@' || ?").run(name);
      this.#stmt('DELETE FROM domains WHERE id = ?').run(domain.id as number);
    });
  }

  async addAccount(input: {
    address: string;
    domainId: number;
    passwordHash: string;
    scram: ScramKeys | undefined;
    mailboxes: { name: string; specialUse: SpecialUse | undefined }[];
  }): Promise<AccountRecord> {
    return this.#tx(`adding user ${input.address}`, () => {
      const scram = input.scram;
      const row = this.#stmt(
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
        createMailbox(this.#prepare, row.id as number, mailbox.name, mailbox.specialUse);
        setSubscribed(this.#prepare, row.id as number, mailbox.name, true);
      }
      return toAccount(row);
    });
  }

  async getAccount(address: string): Promise<AccountRecord | undefined> {
    const row = this.#query('reading user', () =>
      this.#stmt('SELECT * FROM accounts WHERE address = ?').get(address),
    ) as Row | undefined;
    return row ? toAccount(row) : undefined;
  }

  async getAccountById(id: number): Promise<AccountRecord | undefined> {
    const row = this.#query('reading user', () =>
      this.#stmt('SELECT * FROM accounts WHERE id = ?').get(id),
    ) as Row | undefined;
    return row ? toAccount(row) : undefined;
  }

  async listAccounts(domain?: string): Promise<AccountRecord[]> {
    const rows = this.#query('listing users', () =>
      domain === undefined
        ? this.#stmt('SELECT * FROM accounts ORDER BY address').all()
        : this.#stmt(
            'SELECT a.* FROM accounts a JOIN domains d ON d.id = a.domain_id WHERE d.name = ? ORDER BY address',
          ).all(domain),
    ) as Row[];
    return rows.map(toAccount);
  }

  async setPassword(address: string, passwordHash: string, scram: ScramKeys | undefined): Promise<void> {
    this.#tx(`changing password of ${address}`, () => {
      const result = this.#stmt(
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
    });
  }

  async removeAccount(address: string): Promise<{ orphanBlobs: string[] }> {
    return this.#tx(`removing user ${address}`, () => {
      const account = this.#stmt('SELECT id FROM accounts WHERE address = ?').get(address) as Row | undefined;
      if (!account) throw new LoftError('NOTFOUND', `no user ${address}`);
      const blobs = this.#stmt(
        `SELECT DISTINCT m.blob_id AS id FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE b.account_id = ?`,
      ).all(account.id as number) as Row[];
      this.#stmt('DELETE FROM accounts WHERE id = ?').run(account.id as number);
      return {
        orphanBlobs: dropUnusedBlobs(
          this.#prepare,
          blobs.map((b) => b.id as string),
        ),
      };
    });
  }

  async addAlias(source: string, target: string): Promise<void> {
    this.#tx(`adding alias ${source}`, () => {
      this.#stmt('INSERT INTO aliases (source, target) VALUES (?, ?)').run(source, target);
    });
  }

  async removeAlias(source: string, target?: string): Promise<number> {
    return this.#tx(`removing alias ${source}`, () => {
      const result =
        target === undefined
          ? this.#stmt('DELETE FROM aliases WHERE source = ?').run(source)
          : this.#stmt('DELETE FROM aliases WHERE source = ? AND target = ?').run(source, target);
      return Number(result.changes);
    });
  }

  async listAliases(source?: string): Promise<AliasRecord[]> {
    const rows = this.#query('listing aliases', () =>
      source === undefined
        ? this.#stmt('SELECT source, target FROM aliases ORDER BY source, target').all()
        : this.#stmt('SELECT source, target FROM aliases WHERE source = ? ORDER BY target').all(source),
    ) as Row[];
    return rows.map((row) => ({ source: row.source as string, target: row.target as string }));
  }

  async listMailboxes(accountId: number): Promise<MailboxRecord[]> {
    const rows = this.#query('listing mailboxes', () =>
      this.#stmt(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE account_id = ? ORDER BY name`).all(
        accountId,
      ),
    ) as Row[];
    return rows.map(toMailbox);
  }

  async getMailbox(accountId: number, name: string): Promise<MailboxRecord | undefined> {
    const row = this.#query('reading mailbox', () =>
      this.#stmt(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE account_id = ? AND name = ?`).get(
        accountId,
        name,
      ),
    ) as Row | undefined;
    return row ? toMailbox(row) : undefined;
  }

  async getMailboxById(id: number): Promise<MailboxRecord | undefined> {
    const row = this.#query('reading mailbox', () =>
      this.#stmt(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE id = ?`).get(id),
    ) as Row | undefined;
    return row ? toMailbox(row) : undefined;
  }

  async createMailbox(accountId: number, name: string, specialUse?: SpecialUse): Promise<MailboxRecord> {
    return this.#tx(`creating mailbox ${name}`, () => {
      const id = createMailbox(this.#prepare, accountId, name, specialUse);
      return toMailbox(this.#stmt(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE id = ?`).get(id) as Row);
    });
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
    const rows = this.#query('listing subscriptions', () =>
      this.#stmt('SELECT name FROM subscriptions WHERE account_id = ? ORDER BY name').all(accountId),
    ) as Row[];
    return rows.map((r) => r.name as string);
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

  async updateFlags(mailboxId: number, uids: readonly number[], change: FlagChange): Promise<FlagUpdate[]> {
    return this.#tx('changing flags', () => updateFlags(this.#prepare, mailboxId, uids, change));
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
    return this.#query('reading messages', () => readInlineBodies(this.#prepare, blobIds));
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

  async importMailbox(input: ImportedMailbox): Promise<MailboxRecord> {
    return this.#tx(`importing mailbox ${input.name}`, () => {
      const id = importMailbox(this.#prepare, input);
      return toMailbox(this.#stmt(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE id = ?`).get(id) as Row);
    });
  }

  async importMessages(mailboxId: number, messages: readonly ImportedMessage[]): Promise<void> {
    this.#tx('importing messages', () => importMessages(this.#prepare, mailboxId, messages));
  }

  async firstUnseenUid(mailboxId: number): Promise<number | undefined> {
    const row = this.#query('reading messages', () =>
      this.#stmt('SELECT min(uid) AS uid FROM messages WHERE mailbox_id = ? AND (flags & 1) = 0').get(
        mailboxId,
      ),
    ) as Row | undefined;
    return (row?.uid as number | null) ?? undefined;
  }

  async getStructure(blobId: string): Promise<string> {
    const row = this.#query('reading message structure', () =>
      this.#stmt('SELECT structure FROM blobs WHERE id = ?').get(blobId),
    ) as Row | undefined;
    if (!row) throw new LoftError('NOTFOUND', `no blob ${blobId}`);
    return row.structure as string;
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
    return this.#committer.queueOp({ kind: 'claim', now, leaseMs, limit });
  }

  recordQueueOutcomes(
    messageId: number,
    leaseUntil: number,
    outcomes: readonly QueueOutcome[],
  ): Promise<{ applied: number; removed: boolean; orphanBlobs: string[] }> {
    return this.#committer.queueOp({ kind: 'record', messageId, leaseUntil, outcomes });
  }

  renewQueueLease(
    recipientIds: readonly number[],
    leaseUntil: number,
    newLeaseUntil: number,
  ): Promise<number> {
    return this.#committer.queueOp({ kind: 'renew', ids: recipientIds, leaseUntil, next: newLeaseUntil });
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
    const row = this.#query('checking blob', () =>
      this.#stmt('SELECT EXISTS (SELECT 1 FROM blobs WHERE id = ?) AS used').get(blobId),
    ) as Row;
    return (row.used as number) === 1;
  }

  async close(): Promise<void> {
    await this.#committer.close();
    this.#db.close();
  }
}
