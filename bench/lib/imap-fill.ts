/**
 * Fills a Loft data folder (or, given a storage URL, Loft's PostgreSQL schema) with the IMAP
 * benchmark's mailbox before Loft starts, through Loft's own code path: `openServices()`,
 * `Directory.addDomain`/`addUser`, then `DeliveryService.appendAll` (IMAP MULTIAPPEND's path) of
 * the generated messages into the user's INBOX, {@link BATCH} per transaction, one batch after the
 * other (structure computed, body stored, rows committed and the search backlog recorded, as for
 * any APPEND), each with its flags and internal date. Batches in order, rather than many single
 * appends at once, because on PostgreSQL concurrent appends take their UIDs in commit order.
 *
 * Run as a child process of the benchmark (`node bench/lib/imap-fill.ts DATA COUNT SEED USER
 * PASSWORD [STORAGE]`), so the benchmark's own process keeps none of Loft's state; it prints one JSON line:
 * `{"messages":N,"octets":N,"seconds":S}`, and exits 1 when a message did not get UID index + 1.
 */
import { mkdirSync } from 'node:fs';
import { openServices } from '../../src/open-services.ts';
import { FLAG_BITS } from '../../src/store/store.ts';
import { type GeneratedMessage, MailboxGenerator } from './imap-messages.ts';

/** Messages per `appendAll`: committed in one transaction (one fsync for many). */
export const BATCH = 64;

/** Loft's flag bits of a generated message. */
export function flagBits(message: Pick<GeneratedMessage, 'seen' | 'flagged' | 'answered'>): number {
  return (
    (message.seen ? FLAG_BITS['\\Seen'] : 0) |
    (message.flagged ? FLAG_BITS['\\Flagged'] : 0) |
    (message.answered ? FLAG_BITS['\\Answered'] : 0)
  );
}

/**
 * Fills `dataDir` (created if missing), or the PostgreSQL `storage` when given, with `count`
 * messages for `user`; resolves with what was stored.
 */
export async function fillLoft(
  dataDir: string,
  count: number,
  seed: number,
  user: string,
  password: string,
  storage?: string,
): Promise<{ messages: number; octets: number; seconds: number }> {
  const started = process.hrtime.bigint();
  mkdirSync(dataDir, { recursive: true });
  const services = await openServices(dataDir, { storage });
  try {
    await services.directory.addDomain(user.slice(user.indexOf('@') + 1));
    const account = await services.directory.addUser(user, password);
    const inbox = await services.mailboxes.inbox(account.id);
    let octets = 0;
    let batch: GeneratedMessage[] = [];
    const commit = async (): Promise<void> => {
      const placed = await services.delivery.appendAll(
        inbox.id,
        batch.map((m) => ({ raw: m.raw, flags: flagBits(m), internalDate: m.date * 1000 })),
      );
      for (const [i, { uid }] of placed.entries()) {
        const index = batch[i]!.index;
        if (uid !== index + 1) throw new Error(`message ${index} got UID ${uid}, expected ${index + 1}`);
      }
      batch = [];
    };
    for (const message of new MailboxGenerator(count, seed)) {
      octets += message.raw.length;
      batch.push(message);
      if (batch.length >= BATCH) await commit();
    }
    if (batch.length > 0) await commit();
    return { messages: count, octets, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  } finally {
    // The store's commit worker is unref'd: hold the event loop open until it has closed.
    const hold = setInterval(() => {}, 1000);
    await services.store.close();
    clearInterval(hold);
  }
}

if (import.meta.main) {
  const [dataDir, count, seed, user, password, storage] = process.argv.slice(2);
  try {
    if (!dataDir || !count || !seed || !user || !password)
      throw new Error('usage: DATA COUNT SEED USER PASSWORD [STORAGE]');
    const result = await fillLoft(dataDir, Number(count), Number(seed), user, password, storage);
    console.log(JSON.stringify(result));
  } catch (err) {
    console.error(`imap-fill: ${(err as Error).stack ?? err}`);
    process.exitCode = 1;
  }
}
