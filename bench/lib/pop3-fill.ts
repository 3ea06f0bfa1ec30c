/**
 * Filling the POP3 benchmark's maildrop in one Loft, whichever its storage: by SMTP (8
 * connections, each reused), every message checked stored; then a wait until Loft's background
 * search indexing has caught up, so that no session is measured while it indexes; then the
 * stored bytes read back from the database, for Dovecot's Maildir and the content check.
 */
import { type GeneratorName, runLoad } from './load.ts';
import type { LoftServer } from './loft-server.ts';

export interface MaildropSpec {
  messages: number;
  /** Body octets of each message (the generator's header lines and Loft's Received field come on top). */
  payloadBytes: number;
  generator: GeneratorName;
  address: string;
  domain: string;
}

export interface FilledMaildrop {
  /** The stored bytes of every message, in UID order. */
  messages: Buffer[];
  /** From the first SMTP connection to the last 250. */
  fillSeconds: number;
  /** From the last 250 until the search backlog was empty. */
  indexSeconds: number;
}

const seconds = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e9;

/** Fills `loft`'s INBOX; rejects when a message was refused, not stored or not indexed within 10 minutes. */
export async function fillMaildrop(loft: LoftServer, spec: MaildropSpec): Promise<FilledMaildrop> {
  const started = process.hrtime.bigint();
  const load = await runLoad(spec.generator, {
    port: loft.port,
    sessions: Math.min(8, spec.messages),
    messages: spec.messages,
    payloadBytes: spec.payloadBytes,
    from: `sender@client.${spec.domain}`,
    to: spec.address,
    helo: `client.${spec.domain}`,
    reuseConnections: true,
    timeoutMs: 120_000 + spec.messages * 100,
  });
  const fillSeconds = seconds(started);
  const stored = await loft.countStored();
  if (load.failed > 0 || load.accepted !== spec.messages || stored !== spec.messages) {
    throw new Error(
      `filling the maildrop: ${load.accepted} of ${spec.messages} accepted, ${stored} stored${load.errors.length > 0 ? ` (${load.errors.join('; ')})` : ''}`,
    );
  }
  const indexStart = process.hrtime.bigint();
  if (!(await loft.waitIndexed(spec.messages, 600_000))) {
    throw new Error("Loft's search index did not catch up with the maildrop within 10 minutes");
  }
  const indexSeconds = seconds(indexStart);
  const messages = await loft.readInbox(spec.address);
  if (messages.length !== spec.messages) {
    throw new Error(`${messages.length} messages in Loft's INBOX, expected ${spec.messages}`);
  }
  return { messages, fillSeconds, indexSeconds };
}
