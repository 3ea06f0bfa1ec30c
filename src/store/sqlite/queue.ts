/**
 * Reading the outbound queue from SQLite (the runner that works it is a later issue).
 */

import type { QueueMessageRecord, QueueRecipientRecord } from '../store.ts';
import type { Prepare } from './messages.ts';

type Row = Record<string, unknown>;

/** All queued messages, or the one with `id`, each with its recipients. */
export function readQueue(prepare: Prepare, id: number | undefined): QueueMessageRecord[] {
  const messages = (
    id === undefined
      ? prepare(
          'SELECT q.*, b.size FROM queue_messages q JOIN blobs b ON b.id = q.blob_id ORDER BY q.id',
        ).all()
      : prepare(
          'SELECT q.*, b.size FROM queue_messages q JOIN blobs b ON b.id = q.blob_id WHERE q.id = ?',
        ).all(id)
  ) as Row[];
  const recipientsOf = prepare('SELECT * FROM queue_recipients WHERE message_id = ? ORDER BY id');
  return messages.map((row) => ({
    id: row.id as number,
    sender: row.sender as string,
    blobId: row.blob_id as string,
    blobOffset: row.blob_offset as number,
    size: (row.size as number) - (row.blob_offset as number),
    envId: (row.env_id as string | null) ?? undefined,
    ret: (row.ret as 'FULL' | 'HDRS' | null) ?? undefined,
    requireTls: row.require_tls === 1,
    smtpUtf8: row.smtp_utf8 === 1,
    eightBit: row.eight_bit === 1,
    accountId: (row.account_id as number | null) ?? undefined,
    createdAt: row.created_at as number,
    recipients: (recipientsOf.all(row.id as number) as Row[]).map(toRecipient),
  }));
}

function toRecipient(row: Row): QueueRecipientRecord {
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
  };
}
