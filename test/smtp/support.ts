/**
 * Small helpers shared by the SMTP attack and bad-input transcript tests in this folder.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { mailboxContents, type TestServer } from '../helpers/server.ts';
import { SmtpDialog } from '../helpers/smtp-dialog.ts';

/** Connects, reads the 220 greeting and says EHLO. */
export async function greeted(port: number, options: { tls?: boolean } = {}): Promise<SmtpDialog> {
  const smtp = await SmtpDialog.connect(port, options);
  await smtp.expect(220);
  await smtp.command('EHLO client.example', 250);
  return smtp;
}

/** The base64 PLAIN message `authzid NUL authcid NUL passwd` (RFC 4616 §2). */
export function plainResponse(authcid: string, password: string, authzid = ''): string {
  return Buffer.from(`${authzid}\0${authcid}\0${password}`, 'utf8').toString('base64');
}

/** Number of messages in each of the given users' INBOX. */
export async function counts(server: TestServer, addresses: string[]): Promise<number[]> {
  return Promise.all(addresses.map(async (a) => (await mailboxContents(server, a)).length));
}

/** Number of files under the data folder's blob store (message bodies). */
export async function blobFiles(server: TestServer): Promise<number> {
  const root = path.join(server.dataDir, 'blobs');
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).length;
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

/** The header section of a stored message (up to the first empty line), without Loft's trace headers. */
export function headerSection(raw: Buffer): string {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end + 2);
  return head.replace(/^(Return-Path|Received):[^\r]*\r\n(?:[ \t][^\r]*\r\n)*/gm, '');
}

/** Sends one small message to `to` on a fresh connection and returns the final reply code. */
export async function sendSimple(port: number, to: string, subject = 'check'): Promise<number> {
  const smtp = await greeted(port);
  try {
    await smtp.command('MAIL FROM:<sender@example.com>', 250);
    await smtp.command(`RCPT TO:<${to}>`, 250);
    await smtp.command('DATA', 354);
    smtp.write(`Subject: ${subject}\r\n\r\nbody\r\n.\r\n`);
    const reply = await smtp.reply();
    await smtp.command('QUIT', 221);
    return reply?.code ?? 0;
  } finally {
    smtp.close();
  }
}
