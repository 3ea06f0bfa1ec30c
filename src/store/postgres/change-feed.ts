/**
 * Mailbox changes between Loft processes on one PostgreSQL database (LISTEN/NOTIFY).
 *
 * Every transaction that changes a mailbox sends its changes with `pg_notify` as its last
 * statement (`notifyChanges`), so PostgreSQL delivers them exactly when, and only if, the
 * transaction commits. Each process listens on a dedicated connection and publishes what other
 * processes did into its own `MailboxEvents`, so an IMAP session in IDLE on one process sees a
 * delivery made by another. Notifications sent while the listening connection is down are lost:
 * after reconnecting, the feed asks every session to resynchronise from the store.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { MailboxChange } from '../../core/events.ts';
import type { Queryable } from './database.ts';

/** Largest payload per notification: PostgreSQL's limit is 8000 bytes. */
const MAX_PAYLOAD = 7800;
const KIND_CODES = { append: 'a', flags: 'f', expunge: 'e' } as const;
const KINDS: Record<string, MailboxChange['kind']> = { a: 'append', f: 'flags', e: 'expunge' };

/** Where the directory triggers announce a change (PostgreSQL migration 9), for every schema. */
const DIRECTORY_CHANNEL = 'loft_directory';

/** The channel of a schema: processes on different schemas never hear each other. */
export function channelOf(schema: string): string {
  return `loft_changes_${schema}`;
}

/** A fresh id for this process's feed, so it can skip its own notifications. */
export function newOrigin(): string {
  return randomBytes(6).toString('hex');
}

type Notifiable = Exclude<MailboxChange['kind'], 'resync'>;

/** Sends `changes` on `channel` inside the caller's transaction (delivered at its commit). */
export async function notifyChanges(
  db: Queryable,
  channel: string,
  origin: string,
  changes: readonly MailboxChange[],
): Promise<void> {
  let batch: (string | number)[][] = [];
  let size = 0;
  const send = async (): Promise<void> => {
    if (batch.length === 0) return;
    await db.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify({ o: origin, c: batch })]);
    batch = [];
    size = 0;
  };
  for (const change of changes) {
    if (!(change.kind in KIND_CODES)) continue;
    const entry = [KIND_CODES[change.kind as Notifiable], change.mailboxId, change.uid, change.modseq];
    const length = JSON.stringify(entry).length + 1;
    if (size + length > MAX_PAYLOAD) await send();
    batch.push(entry);
    size += length;
  }
  await send();
}

/** Decodes a notification's payload; changes of `origin` itself are left out. */
export function decodeNotification(payload: string, origin: string): MailboxChange[] {
  try {
    const message = JSON.parse(payload) as { o?: unknown; c?: unknown };
    if (message.o === origin || !Array.isArray(message.c)) return [];
    const changes: MailboxChange[] = [];
    for (const entry of message.c as unknown[]) {
      if (!Array.isArray(entry)) continue;
      const [code, mailboxId, uid, modseq] = entry as [unknown, unknown, unknown, unknown];
      const kind = typeof code === 'string' ? KINDS[code] : undefined;
      if (!kind || typeof mailboxId !== 'number' || typeof uid !== 'number' || typeof modseq !== 'number')
        continue;
      changes.push({ kind, mailboxId, uid, modseq } as MailboxChange);
    }
    return changes;
  } catch {
    return [];
  }
}

export interface ChangeFeedOptions {
  url: string;
  channel: string;
  origin: string;
  /** Receives each change another process committed. */
  onChange: (change: MailboxChange) => void;
  /** Called after the listening connection was lost and is back: notifications may be missing. */
  onResync: () => void;
  /**
   * The schema whose directory changes to count in {@link ChangeFeed.directoryVersion}: each
   * transaction that changed its domains, accounts, aliases or mailbox names (PostgreSQL
   * migration 9 announces them on one channel for every schema).
   */
  directorySchema?: string;
  /** Longest wait between reconnection attempts (default 5 s). */
  maxBackoffMs?: number;
}

/** Listens on one connection of its own, reconnecting by itself with backoff. */
export class ChangeFeed {
  readonly #options: ChangeFeedOptions;
  #client: pg.Client | undefined;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #backoff = 100;
  #directoryVersion = 0;

  constructor(options: ChangeFeedOptions) {
    this.#options = options;
  }

  /** Connects and listens; resolves once listening (rejects if the first attempt fails). */
  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#options.url });
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    client.on('notification', (message) => {
      if (message.channel === DIRECTORY_CHANNEL) {
        if (message.payload === this.#options.directorySchema) this.#directoryVersion++;
        return;
      }
      if (message.channel !== this.#options.channel || !message.payload) return;
      for (const change of decodeNotification(message.payload, this.#options.origin))
        this.#options.onChange(change);
    });
    await client.connect();
    if (this.#options.directorySchema) await client.query(`LISTEN ${DIRECTORY_CHANNEL}`);
    await client.query(`LISTEN "${this.#options.channel}"`);
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    this.#backoff = 100;
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client || this.#closed) return;
    this.#client = undefined;
    client.end().catch(() => {});
    this.#retry();
  }

  #retry(): void {
    if (this.#closed || this.#timer) return;
    this.#timer = setTimeout(async () => {
      this.#timer = undefined;
      try {
        await this.#connect();
        // Whatever was committed while no one listened must be read from the store.
        this.#directoryVersion++;
        this.#options.onResync();
      } catch {
        this.#backoff = Math.min(this.#backoff * 2, this.#options.maxBackoffMs ?? 5000);
        this.#retry();
      }
    }, this.#backoff);
    this.#timer.unref();
  }

  /** True while the listening connection is up. */
  get listening(): boolean {
    return this.#client !== undefined;
  }

  /**
   * A count of the directory changes heard of (and of reconnections, after which some may have
   * been missed): while listening, it changes when the directory has changed, milliseconds
   * after the commit.
   */
  get directoryVersion(): number {
    return this.#directoryVersion;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }
}
