/**
 * Helpers shared by the POP3 tests: delivering mail over real SMTP, and looking at the INBOX
 * from the storage side (as IMAP will see it).
 */
import assert from 'node:assert/strict';
import type { MailboxChange } from '../../src/core/events.ts';
import type { MailboxRecord, MessageRecord } from '../../src/store/store.ts';
import type { TestServer } from '../helpers/server.ts';
import { sendOne } from '../helpers/smtp-send.ts';

/** Delivers one message to `to` through the MX port; `body` uses CRLF line ends. */
export async function deliver(server: TestServer, to: string, body: string): Promise<void> {
  const code = await sendOne(server.ports.smtp!, 'sender@example.test', to, body);
  assert.equal(code, 250, `delivery to ${to} failed with ${code}`);
}

/** Delivers `count` small messages with subjects `prefix 1` … `prefix count`. */
export async function deliverMany(
  server: TestServer,
  to: string,
  count: number,
  prefix = 'message',
): Promise<void> {
  for (let i = 1; i <= count; i++)
    await deliver(server, to, `Subject: ${prefix} ${i}\r\n\r\nBody of ${prefix} ${i}\r\n`);
}

/** The INBOX record and its messages, from storage. */
export async function inbox(
  server: TestServer,
  address: string,
): Promise<{ box: MailboxRecord; messages: MessageRecord[] }> {
  const account = await server.services.directory.getAccount(address);
  assert.ok(account, `no account ${address}`);
  const box = await server.services.mailboxes.inbox(account.id);
  return { box, messages: await server.services.mailboxes.messages(box.id) };
}

/** Subscribes to the INBOX's change events (what an IMAP session would see); returns the log and the unsubscribe. */
export async function watchInbox(
  server: TestServer,
  address: string,
): Promise<{ changes: MailboxChange[]; stop: () => void }> {
  const { box } = await inbox(server, address);
  const changes: MailboxChange[] = [];
  const stop = server.services.events.subscribe(box.id, (c) => changes.push(c));
  return { changes, stop };
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns its last result. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 5000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Base64 of a UTF-8 string. */
export function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
