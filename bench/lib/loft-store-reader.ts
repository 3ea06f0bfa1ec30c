/**
 * What the benchmarks read straight from Loft's storage, on either backend: how many messages are
 * stored, whether the search backlog is empty, and the stored bytes of one INBOX. The tables and
 * queries are the same on SQLite and PostgreSQL (src/store/sqlite/migrations.ts and
 * src/store/postgres/migrations.ts mirror each other); only the connection differs.
 */
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type pg from 'pg';
import { benchClient, splitStorageUrl } from './postgres.ts';

export interface LoftStoreReader {
  /** Rows of `messages`, every mailbox. */
  countMessages(): Promise<number>;
  /** Whether `search_pending` (the text still to index for SEARCH) is empty. */
  searchBacklogEmpty(): Promise<boolean>;
  /**
   * The stored bytes of every message in `address`'s INBOX, in UID order. Bodies up to
   * `inline_body_limit` are kept inline in the database; a larger one is not read here and makes
   * this reject.
   */
  inbox(address: string): Promise<Buffer[]>;
  close(): Promise<void>;
}

const COUNT = 'SELECT count(*) AS n FROM messages';
const BACKLOG = 'SELECT EXISTS (SELECT 1 FROM search_pending) AS pending';
const INBOX = (param: string): string =>
  `SELECT m.uid AS uid, m.size AS size, d.data AS data FROM messages m
     JOIN mailboxes b ON b.id = m.mailbox_id
     JOIN accounts a ON a.id = b.account_id
     LEFT JOIN blob_data d ON d.id = m.blob_id
   WHERE a.address = ${param} AND b.name = 'INBOX' ORDER BY m.uid`;

interface InboxRow {
  uid: unknown;
  size: unknown;
  data: Uint8Array | null;
}

function messageBytes(rows: InboxRow[]): Buffer[] {
  return rows.map((row) => {
    if (!row.data) throw new Error(`message ${row.uid}: its body is not inline in the database`);
    const bytes = Buffer.from(row.data.buffer, row.data.byteOffset, row.data.byteLength);
    if (bytes.length !== Number(row.size)) {
      throw new Error(`message ${row.uid}: ${bytes.length} octets stored, size says ${row.size}`);
    }
    return bytes;
  });
}

/** Reads `<dataDir>/loft.db`, opened read-only for each question (Loft keeps writing it). */
export function sqliteReader(dataDir: string): LoftStoreReader {
  const file = path.join(dataDir, 'loft.db');
  const withDb = async <T>(fn: (db: DatabaseSync) => T): Promise<T> => {
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  return {
    countMessages: () => withDb((db) => Number((db.prepare(COUNT).get() as { n: number }).n)),
    searchBacklogEmpty: () =>
      withDb((db) => Number((db.prepare(BACKLOG).get() as { pending: number }).pending) === 0),
    inbox: (address) =>
      withDb((db) => messageBytes(db.prepare(INBOX('?')).all(address) as unknown as InboxRow[])),
    close: async () => undefined,
  };
}

/** Reads Loft's schema over one connection of the benchmark's own, opened on first use. */
export function postgresReader(storage: string): LoftStoreReader {
  const { database, schema } = splitStorageUrl(storage);
  let connecting: Promise<pg.Client> | undefined;
  const client = (): Promise<pg.Client> => {
    connecting ??= (async () => {
      const c = benchClient(database);
      c.on('error', () => {});
      await c.connect();
      await c.query(`SET search_path = ${schema}`);
      return c;
    })();
    return connecting;
  };
  const query = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> =>
    (await (await client()).query<R>(sql, params)).rows;
  return {
    countMessages: async () => Number((await query<{ n: string }>(COUNT))[0]?.n ?? 0),
    searchBacklogEmpty: async () => (await query<{ pending: boolean }>(BACKLOG))[0]?.pending === false,
    inbox: async (address) => messageBytes(await query<InboxRow & pg.QueryResultRow>(INBOX('$1'), [address])),
    close: async () => {
      if (!connecting) return;
      const c = await connecting.catch(() => undefined);
      connecting = undefined;
      await c?.end().catch(() => {});
    },
  };
}
