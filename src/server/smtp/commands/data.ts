/**
 * DATA (RFC 5321 §4.1.1.4): 354, then the content up to CRLF.CRLF, decoded by the pure
 * smuggling-safe decoder; 250 only after the message is durable.
 */
import type { BareCommand } from '../../../proto/smtp/command-types.ts';
import { DataDecoder } from '../../../proto/smtp/data-decoder.ts';
import type { SmtpSession } from '../session.ts';
import { completeTransaction, contentPolicy } from '../transaction.ts';

export async function data(session: SmtpSession, _command: BareCommand): Promise<void> {
  session.reply(354, undefined, 'End data with <CR><LF>.<CR><LF>');
  await session.flush();
  const decoder = new DataDecoder(contentPolicy(session));
  const content: Buffer[] = [];
  await session.conn.feed((chunk) => {
    const result = decoder.push(chunk);
    for (const piece of result.chunks) content.push(piece);
    return { used: result.consumed, done: result.done };
  }, session.settings.dataTimeoutMs);
  await completeTransaction(session, content, decoder.status);
}
