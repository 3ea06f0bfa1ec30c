/**
 * `loft queue`: the outbound queue seen and steered from the command line — list, show one
 * message with each recipient's state, attempts and last error, retry now, remove. It works on
 * the same database as a running server (SQLite WAL, or PostgreSQL with `--storage`); a running
 * runner picks up a retry at its next look at the queue (at most `queue.poll_interval`).
 */
import type { Command } from 'commander';
import { LoftError } from '../core/errors.ts';
import type { LoftServices } from '../open-services.ts';
import type { QueueMessageRecord, QueueRecipientRecord } from '../store/store.ts';

type WithServices = (fn: (services: LoftServices) => Promise<void>) => Promise<void>;

/** Adds `queue list|show|retry|remove` to the program. */
export function addQueueCommands(program: Command, withServices: WithServices): void {
  const queue = program.command('queue').description('inspect and steer the outbound queue');
  queue
    .command('list')
    .description("list queued messages with each recipient's state")
    .action(() =>
      withServices(async (s) => {
        const messages = await s.store.listQueue();
        if (messages.length === 0) {
          console.log('queue is empty');
          return;
        }
        for (const m of messages) {
          console.log(summaryLine(m));
          for (const r of m.recipients) console.log(`  ${recipientLine(r)}`);
        }
      }),
    );
  queue
    .command('show <id>')
    .description('show one queued message: envelope, recipients, attempts, last errors')
    .action((id: string) =>
      withServices(async (s) => {
        const m = await s.store.getQueued(queueId(id));
        if (!m) throw new LoftError('NOTFOUND', `no queued message ${id}`);
        console.log(`id:         ${m.id}`);
        console.log(`queued:     ${iso(m.createdAt)}`);
        console.log(`sender:     <${m.sender}>`);
        console.log(`size:       ${m.size}`);
        if (m.envId !== undefined) console.log(`envid:      ${m.envId}`);
        if (m.ret !== undefined) console.log(`ret:        ${m.ret}`);
        const flags = [
          m.eightBit && '8BITMIME',
          m.smtpUtf8 && 'SMTPUTF8',
          m.requireTls && 'REQUIRETLS',
        ].filter(Boolean);
        if (flags.length > 0) console.log(`body:       ${flags.join(' ')}`);
        console.log('recipients:');
        for (const r of m.recipients) {
          console.log(`  ${r.address}`);
          console.log(`    status:   ${r.status}`);
          console.log(`    attempts: ${r.attempts}`);
          if (r.status === 'pending') console.log(`    next:     ${iso(r.nextAttemptAt)}`);
          if (r.notify) console.log(`    notify:   ${r.notify.join(',')}`);
          if (r.orcpt) console.log(`    orcpt:    ${r.orcpt.type};${r.orcpt.address}`);
          if (r.lastError !== undefined) console.log(`    last:     ${r.lastError}`);
        }
      }),
    );
  queue
    .command('retry [id]')
    .description('try the pending recipients of one message (or of all) again now')
    .action((id: string | undefined) =>
      withServices(async (s) => {
        const count = await s.store.retryQueue(id === undefined ? undefined : queueId(id), Date.now());
        console.log(`${count} recipient(s) due now`);
      }),
    );
  queue
    .command('remove <id>')
    .description('remove a message from the queue (no report is sent)')
    .action((id: string) =>
      withServices(async (s) => {
        const { orphanBlobs } = await s.store.removeQueued(queueId(id));
        for (const blob of orphanBlobs) await s.blobs.remove(blob);
        console.log(`removed ${id}`);
      }),
    );
}

function queueId(text: string): number {
  if (!/^[1-9]\d{0,15}$/.test(text))
    throw new LoftError('INVALID', `${text}: expected a queue id (a number)`);
  return Number(text);
}

function summaryLine(m: QueueMessageRecord): string {
  const pending = m.recipients.filter((r) => r.status === 'pending').length;
  return `${m.id}  ${iso(m.createdAt)}  ${m.size} octets  <${m.sender}>  ${pending}/${m.recipients.length} pending`;
}

function recipientLine(r: QueueRecipientRecord): string {
  const parts = [r.address, r.status, `attempts=${r.attempts}`];
  if (r.status === 'pending') parts.push(`next=${iso(r.nextAttemptAt)}`);
  if (r.lastError !== undefined) parts.push(`last: ${r.lastError}`);
  return parts.join('  ');
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
