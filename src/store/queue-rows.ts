/**
 * A queue recipient row as both backends return it (SQLite gives booleans as 0/1, PostgreSQL as
 * booleans), turned into the storage interface's record.
 */
import type { QueueRecipientRecord } from './records.ts';

export function toQueueRecipient(row: Record<string, unknown>): QueueRecipientRecord {
  const notify = row.notify as string | null;
  return {
    id: row.id as number,
    address: row.address as string,
    orcpt: row.orcpt_type
      ? { type: row.orcpt_type as string, address: row.orcpt_address as string }
      : undefined,
    notify: notify ? (notify.split(',') as QueueRecipientRecord['notify']) : undefined,
    status: row.status as QueueRecipientRecord['status'],
    attempts: row.attempts as number,
    nextAttemptAt: row.next_attempt_at as number,
    lastError: (row.last_error as string | null) ?? undefined,
    delayNotified: row.delay_notified === 1 || row.delay_notified === true,
  };
}
