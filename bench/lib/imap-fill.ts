/**
 * Fills a Loft data folder with the IMAP benchmark's mailbox before Loft starts, through Loft's
 * own code path: `openServices()`, `Directory.addDomain`/`addUser`, then `DeliveryService.append`
 * of every generated message into the user's INBOX (structure computed, body stored, one row
 * committed and the search backlog recorded, as for any APPEND), with its flags and internal date.
 *
 * Run as a child process of the benchmark (`node bench/lib/imap-fill.ts DATA COUNT SEED USER
 * PASSWORD`), so the benchmark's own process keeps none of Loft's state; it prints one JSON line:
 * `{"messages":N,"octets":N,"seconds":S}`, and exits 1 when a message did not get UID index + 1.
 */
import { mkdirSync } from 'node:fs';
import { openServices } from '../../src/open-services.ts';
import { FLAG_BITS } from '../../src/store/store.ts';
import { type GeneratedMessage, MailboxGenerator } from './imap-messages.ts';

/** Appends outstanding at once: the store commits them together (one WAL fsync for many). */
const WINDOW = 64;

/** Loft's flag bits of a generated message. */
export function flagBits(message: Pick<GeneratedMessage, 'seen' | 'flagged' | 'answered'>): number {
  return (
    (message.seen ? FLAG_BITS['\\Seen'] : 0) |
    (message.flagged ? FLAG_BITS['\\Flagged'] : 0) |
    (message.answered ? FLAG_BITS['\\Answered'] : 0)
  );
}

/** Fills `dataDir` (created if missing) with `count` messages for `user`; resolves with what was stored. */
export async function fillLoft(
  dataDir: string,
  count: number,
  seed: number,
  user: string,
  password: string,
): Promise<{ messages: number; octets: number; seconds: number }> {
  const started = process.hrtime.bigint();
  mkdirSync(dataDir, { recursive: true });
  const services = await openServices(dataDir);
  try {
    await services.directory.addDomain(user.slice(user.indexOf('@') + 1));
    const account = await services.directory.addUser(user, password);
    const inbox = await services.mailboxes.inbox(account.id);
    let octets = 0;
    const inFlight = new Set<Promise<void>>();
    for (const message of new MailboxGenerator(count, seed)) {
      octets += message.raw.length;
      const appending = services.delivery
        .append(inbox.id, message.raw, { flags: flagBits(message), internalDate: message.date * 1000 })
        .then(({ uid }) => {
          if (uid !== message.index + 1)
            throw new Error(`message ${message.index} got UID ${uid}, expected ${message.index + 1}`);
        });
      const tracked = appending.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= WINDOW) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    return { messages: count, octets, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  } finally {
    // The store's commit worker is unref'd: hold the event loop open until it has closed.
    const hold = setInterval(() => {}, 1000);
    await services.store.close();
    clearInterval(hold);
  }
}

if (import.meta.main) {
  const [dataDir, count, seed, user, password] = process.argv.slice(2);
  try {
    if (!dataDir || !count || !seed || !user || !password)
      throw new Error('usage: DATA COUNT SEED USER PASSWORD');
    const result = await fillLoft(dataDir, Number(count), Number(seed), user, password);
    console.log(JSON.stringify(result));
  } catch (err) {
    console.error(`imap-fill: ${(err as Error).stack ?? err}`);
    process.exitCode = 1;
  }
}
