/**
 * `loft export FILE` and `loft import FILE`: moving all data between stores (SQLite and
 * PostgreSQL, either way), with a progress bar. See src/services/transfer/.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { LoftServices } from '../open-services.ts';
import { exportAll } from '../services/transfer/export.ts';
import { importAll } from '../services/transfer/import.ts';
import { ProgressBar } from './progress.ts';

/** Writes the archive to `file` (created; never overwritten), fsynced before it reports success. */
export async function exportTo(services: LoftServices, file: string): Promise<void> {
  const handle = await open(file, 'wx', 0o600);
  const bar = new ProgressBar('export');
  let pending: string[] = [];
  let size = 0;
  const drain = async (): Promise<void> => {
    if (pending.length === 0) return;
    const data = pending.join('');
    pending = [];
    size = 0;
    await handle.write(data);
  };
  try {
    const counts = await exportAll(
      services,
      async (line) => {
        pending.push(line);
        size += line.length;
        if (size >= 1 << 20) await drain();
      },
      { total: (n) => bar.total(n), advance: (n) => bar.advance(n) },
    );
    await drain();
    await handle.sync();
    bar.finish();
    process.stderr.write(`${describe(counts)} exported to ${file}\n`);
  } finally {
    await handle.close();
  }
}

export async function importFrom(services: LoftServices, file: string): Promise<void> {
  const bar = new ProgressBar('import');
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  const counts = await importAll(services, lines, { advance: (n) => bar.advance(n) });
  bar.finish();
  process.stderr.write(`${describe(counts)} imported from ${file}\n`);
}

function describe(counts: {
  domains: number;
  accounts: number;
  aliases: number;
  mailboxes: number;
  messages: number;
}): string {
  return `${counts.domains} domain(s), ${counts.accounts} user(s), ${counts.aliases} alias(es), ${counts.mailboxes} mailbox(es), ${counts.messages} message(s)`;
}
