/**
 * Opening the storage of a data folder and building the services on it: shared by the server
 * (src/loft.ts) and the CLI, which must not load the protocol servers to add a user.
 */
import path from 'node:path';
import { MailboxEvents } from './core/events.ts';
import { DeliveryService } from './services/delivery/delivery.ts';
import { Directory } from './services/directory/directory.ts';
import { DkimService } from './services/dkim/dkim.ts';
import { MailboxService } from './services/mailbox/mailbox.ts';
import { SearchIndexer } from './services/search/indexer.ts';
import type { BlobStore } from './store/blob/blob-store.ts';
import { FileBlobStore } from './store/blob/file-blob-store.ts';
import { MessageBodies } from './store/bodies.ts';
import { SqliteStore } from './store/sqlite/sqlite-store.ts';
import type { Store } from './store/store.ts';

export interface LoftServices {
  store: Store;
  /** Message bodies: inline in the database when small, files otherwise. */
  blobs: BlobStore;
  events: MailboxEvents;
  directory: Directory;
  delivery: DeliveryService;
  /** DKIM keys per domain; the delivery point signs submitted mail with them. */
  dkim: DkimService;
  mailboxes: MailboxService;
  /** Indexes delivered messages' text in the background; started by the server, not the CLI. */
  search: SearchIndexer;
}

/** Options of {@link openServices}. */
export interface OpenOptions {
  inlineBodyLimit?: number | undefined;
  /** A PostgreSQL URL (`postgres://…[?schema=NAME]`); absent for SQLite in the data folder. */
  storage?: string | undefined;
  /** DKIM-sign mail users submit for remote recipients (`auth.dkim_sign`); default true. */
  dkimSign?: boolean | undefined;
}

/**
 * Opens the storage (SQLite in the data folder, or PostgreSQL) and builds the services on it
 * (also used by the CLI). Message files larger than the inline limit live in the data folder,
 * which several processes on one PostgreSQL database must share.
 */
export async function openServices(dataDir: string, options: OpenOptions = {}): Promise<LoftServices> {
  const store: Store = options.storage
    ? await openPostgres(options.storage)
    : new SqliteStore(path.join(dataDir, 'loft.db'));
  const blobs = new MessageBodies(
    store,
    new FileBlobStore(path.join(dataDir, 'blobs')),
    options.inlineBodyLimit,
  );
  const events = new MailboxEvents();
  const directory = new Directory(store);
  const dkim = new DkimService(store);
  const delivery = new DeliveryService({
    store,
    blobs,
    events,
    ...(options.dkimSign === false ? {} : { signer: dkim }),
  });
  const mailboxes = new MailboxService({ store, blobs, events });
  // A store shared by several processes publishes what the others commit.
  await store.watch?.(events);
  const search = new SearchIndexer({ store, blobs, events });
  return { store, blobs, events, directory, delivery, dkim, mailboxes, search };
}

/** Opens a PostgreSQL store; `pg` is loaded only by those who use it. */
async function openPostgres(url: string): Promise<Store> {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  const { PostgresStore } = await import('./store/postgres/postgres-store.ts');
  return PostgresStore.open(parsed.toString(), { schema });
}
