/**
 * Loft as the outbound side: messages queued through Loft's own delivery point into a data
 * folder (no runner running), for `sink@[127.0.0.1]` (an address literal: no DNS), and held: their
 * next attempt put far in the future. Then, per run, a copy of that folder served by `loft serve`
 * with `[queue] port` pointed at the sink; once Loft is up, the messages are released as
 * `loft queue retry` does (`Store.retryQueue`: every pending recipient due now), and the runner
 * finds them at its next look at the queue (`poll_interval`, 0.1 s here).
 */
import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openServices } from '../../src/open-services.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { LoftServer } from './loft-server.ts';

/** The recipient of every queued message: the sink, by address literal. */
export const LOFT_SINK_RECIPIENT = 'sink@[127.0.0.1]';

/** When held messages would be tried (year 2255): never during a run, until released. */
const HELD_UNTIL = 9e12;

/**
 * Queues `count` messages (content from `content(i)`) in a new data folder `dataDir`, through
 * `DeliveryService.deliver` as mail submitted for a remote recipient, 100 at a time; then holds
 * them (see the file's comment).
 */
export async function queueForLoft(
  dataDir: string,
  count: number,
  content: (index: number) => Buffer,
): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const services = await openServices(dataDir);
  try {
    const trace = {
      helo: 'bench.test',
      remoteIp: '127.0.0.1',
      hostname: 'loft.bench.invalid',
      esmtp: true,
      tls: undefined,
      authenticated: true,
      smtpUtf8: false,
    };
    for (let i = 0; i < count; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, count - i) }, (_, j) =>
          services.delivery.deliver({
            sender: 'sender@bench.test',
            recipients: [{ address: LOFT_SINK_RECIPIENT, accounts: [], remote: [LOFT_SINK_RECIPIENT] }],
            content: [content(i + j)],
            trace,
          }),
        ),
      );
    }
  } finally {
    await services.store.close();
  }
  const db = new DatabaseSync(path.join(dataDir, 'loft.db'));
  try {
    db.prepare("UPDATE queue_recipients SET next_attempt_at = ? WHERE status = 'pending'").run(HELD_UNTIL);
  } finally {
    db.close();
  }
  if (queuedIn(dataDir) !== count) throw new Error(`Loft queued ${queuedIn(dataDir)} of ${count} messages`);
}

/** Releases the held messages of a running Loft's data folder, as `loft queue retry` does. */
export async function releaseLoftQueue(dataDir: string): Promise<void> {
  const store = new SqliteStore(path.join(dataDir, 'loft.db'));
  try {
    await store.retryQueue(undefined, Date.now());
  } finally {
    await store.close();
  }
}

/** Messages still in the queue of the data folder `dataDir`. */
export function queuedIn(dataDir: string): number {
  const db = new DatabaseSync(path.join(dataDir, 'loft.db'), { readOnly: true });
  try {
    return Number((db.prepare('SELECT count(*) AS n FROM queue_messages').get() as { n: number }).n);
  } finally {
    db.close();
  }
}

/** A copy of the queued data folder `template` as `<root>/data`, for one run. */
export function copyQueued(template: string, root: string): void {
  cpSync(template, path.join(root, 'data'), { recursive: true });
}

/** Starts Loft on `<root>/data` (see `copyQueued`), its runner relaying to the sink. */
export function startLoftRelay(options: {
  root: string;
  sinkPort: number;
  concurrency: number;
  nodeOptions?: string[];
}): Promise<LoftServer> {
  return LoftServer.start({
    root: options.root,
    domain: 'bench.test',
    users: [],
    provisioned: true,
    nodeOptions: options.nodeOptions ?? [],
    extraConfig: [
      '[queue]',
      `port = ${options.sinkPort}`,
      `concurrency = ${options.concurrency}`,
      'poll_interval = 0.1',
    ].join('\n'),
  });
}
