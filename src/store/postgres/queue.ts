/**
 * Reading the outbound queue from PostgreSQL (the runner that works it is a later issue).
 */
import type { QueueMessageRecord, QueueRecipientRecord } from '../store.ts';
import type { Queryable, Row } from './database.ts';

/** All queued messages, or the one with `id`, each with its recipients. */
export async function readQueue(db: Queryable, id: number | undefined): Promise<QueueMessageRecord[]> {
  const { rows: messages } =
    id === undefined
      ? await db.query(
          'SELECT q.*, b.size FROM queue_messages q JOIN blobs b ON b.id = q.blob_id ORDER BY q.id',
        )
      : await db.query(
          'SELECT q.*, b.size FROM queue_messages q JOIN blobs b ON b.id = q.blob_id WHERE q.id = $1',
          [id],
        );
  if (messages.length === 0) return [];
  const { rows: recipients } = await db.query(
    'SELECT * FROM queue_recipients WHERE message_id = ANY($1::bigint[]) ORDER BY id',
    [(messages as Row[]).map((m) => m.id)],
  );
  return (messages as Row[]).map((row) => ({
    id: row.id as number,
    sender: row.sender as string,
    blobId: row.blob_id as string,
    blobOffset: row.blob_offset as number,
    size: (row.size as number) - (row.blob_offset as number),
    envId: (row.env_id as string | null) ?? undefined,
    ret: (row.ret as 'FULL' | 'HDRS' | null) ?? undefined,
    requireTls: row.require_tls === true,
    smtpUtf8: row.smtp_utf8 === true,
    eightBit: row.eight_bit === true,
    accountId: (row.account_id as number | null) ?? undefined,
    createdAt: row.created_at as number,
    recipients: (recipients as Row[]).filter((r) => r.message_id === row.id).map(toRecipient),
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
