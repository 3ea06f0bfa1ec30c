/**
 * Helpers for the outbound queue tests: submitting over the real submission port, a Loft server
 * whose runner delivers through a test DNS server to a fake (or real) SMTP server, and parsing a
 * delivery status notification (RFC 3464) out of a stored message.
 */
import assert from 'node:assert/strict';
import { startDnsServer, type TestDnsServer, type TestZones } from '../helpers/dns-server.ts';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { SmtpDialog } from '../helpers/smtp-dialog.ts';
import { eventually, plainResponse } from '../smtp/support.ts';

export { eventually };

/** Submits one message as `from` (password "secret") over the submission port; returns the final code. */
export async function submit(
  server: { ports: { submission?: number | undefined } },
  from: string,
  to: string[],
  body: string,
  options: { mailParams?: string; rcptParams?: string; subject?: string } = {},
): Promise<number> {
  const smtp = await SmtpDialog.connect(server.ports.submission!);
  try {
    await smtp.expect(220);
    await smtp.command('EHLO client.example', 250);
    await smtp.command(`AUTH PLAIN ${plainResponse(from, 'secret')}`, 235);
    await smtp.command(`MAIL FROM:<${from}>${options.mailParams ? ` ${options.mailParams}` : ''}`, 250);
    for (const rcpt of to) {
      await smtp.command(`RCPT TO:<${rcpt}>${options.rcptParams ? ` ${options.rcptParams}` : ''}`, 250);
    }
    await smtp.command('DATA', 354);
    smtp.write(
      `From: <${from}>\r\nTo: ${to.map((t) => `<${t}>`).join(', ')}\r\nSubject: ${options.subject ?? 'hello'}\r\n` +
        `Message-ID: <${Date.now()}.${Math.random()}@test>\r\n\r\n${body}\r\n.\r\n`,
    );
    const reply = await smtp.reply();
    await smtp.command('QUIT', 221);
    return reply?.code ?? 0;
  } finally {
    smtp.close();
  }
}

/** Waits until the sender's outbound queue is empty (every entry sent or given up). */
export async function queueEmpty(world: QueueWorld, timeoutMs = 10_000): Promise<void> {
  assert.ok(
    await eventually(async () => (await world.sender.services.store.listQueue()).length === 0, timeoutMs),
    'the queue empties',
  );
}

/** Waits until `address`'s INBOX on the sender holds at least `count` messages; returns them all. */
export async function inboxHolding(
  world: QueueWorld,
  address: string,
  count: number,
  timeoutMs = 10_000,
): Promise<Buffer[]> {
  let messages: Buffer[] = [];
  const ok = await eventually(async () => {
    messages = await mailboxContents(world.sender, address);
    return messages.length >= count;
  }, timeoutMs);
  assert.ok(ok, `expected ${count} message(s) in ${address}'s INBOX, found ${messages.length}`);
  return messages;
}

/** Fast retry settings for tests (seconds). */
export const FAST_QUEUE = {
  retry_initial: 0.3,
  retry_factor: 1,
  retry_max: 0.3,
  poll_interval: 0.2,
  lease: 5,
  connect_timeout: 2,
};

export interface QueueWorld {
  dns: TestDnsServer;
  sender: TestServer;
  close(): Promise<void>;
}

/** A test DNS server with `zones`, and Loft for a.test (alice) delivering to `port`. */
export async function senderWorld(
  zones: TestZones,
  port: number,
  queue: Record<string, unknown> = {},
): Promise<QueueWorld> {
  const dns = await startDnsServer(zones);
  const sender = await startTestServer({
    hostname: 'mx.a.test',
    dns: { servers: [dns.address], timeout: 1, tries: 1 },
    // The queue's tests hold no SPF/DKIM/DMARC records for the clients that reach port 25
    // (test/smtp/mailauth.test.ts covers those checks).
    auth: { verify_mx: false },
    queue: { port, ...FAST_QUEUE, ...queue },
  });
  await provision(sender, ['a.test'], ['alice@a.test']);
  return {
    dns,
    sender,
    async close() {
      await sender.close();
      await dns.close();
    },
  };
}

/** The zones of b.test with its MX at 127.0.0.1. */
export const B_ZONES: TestZones = {
  'b.test': { MX: [[10, 'mx.b.test']] },
  'mx.b.test': { A: ['127.0.0.1'] },
};

/** A DSN's fields: the per-message block and one block per recipient (RFC 3464 §2). */
export interface ParsedDsn {
  headers: string;
  reportType: string | undefined;
  /** The second part's content type (message/delivery-status, or RFC 6533's global one). */
  statusType: string;
  perMessage: Map<string, string>;
  recipients: Map<string, string>[];
  /** The third part's content type and content. */
  returned: { type: string; content: string } | undefined;
}

/** A multipart message's header (unfolded) and its body parts, each with its own header (RFC 2046 §5.1). */
export function mimeParts(raw: Buffer): { headers: string; parts: { head: string; body: string }[] } {
  const text = raw.toString('utf8');
  const headEnd = text.indexOf('\r\n\r\n');
  const headers = text.slice(0, headEnd).replace(/\r\n[ \t]+/g, ' ');
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(headers)?.[1];
  assert.ok(boundary, 'a multipart message with a boundary');
  const parts = text
    .slice(headEnd)
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const end = part.indexOf('\r\n\r\n');
      return { head: part.slice(0, end), body: part.slice(end + 4) };
    });
  return { headers, parts };
}

/** Parses a multipart/report DSN as stored (RFC 6522, RFC 3464). */
export function parseDsn(raw: Buffer): ParsedDsn {
  const { headers, parts } = mimeParts(raw);
  const reportType = /report-type=([\w-]+)/i.exec(headers)?.[1];
  const status = parts.find((p) => /content-type:\s*message\/(global-)?delivery-status/i.test(p.head));
  assert.ok(status, 'a message/delivery-status (or RFC 6533 global) part');
  const blocks = status.body
    .trim()
    .split(/\r\n\r\n/)
    .map((block) => {
      const fields = new Map<string, string>();
      for (const line of block.split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) fields.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
      }
      return fields;
    });
  const third = parts[2];
  return {
    headers,
    reportType,
    statusType: /content-type:\s*(message\/[\w-]+)/i.exec(status.head)?.[1]?.toLowerCase() ?? '',
    perMessage: blocks[0]!,
    recipients: blocks.slice(1),
    returned: third
      ? { type: /content-type:\s*([\w/.-]+)/i.exec(third.head)?.[1] ?? '', content: third.body }
      : undefined,
  };
}
