/**
 * BDAT (RFC 3030 CHUNKING): exactly `size` octets follow the command line and are always read,
 * even when the command is refused (§2, so the session stays in step). Chunks go through the
 * same content policy as DATA; BDAT LAST completes the transaction.
 */
import { BdatNormalizer } from '../../../proto/smtp/bdat-normalizer.ts';
import type { BdatCommand } from '../../../proto/smtp/command-types.ts';
import type { SmtpSession } from '../session.ts';
import { completeTransaction, contentPolicy } from '../transaction.ts';

/** The BDAT part of an open transaction. */
export interface BdatState {
  normalizer: BdatNormalizer;
  content: Buffer[];
}

export async function bdat(session: SmtpSession, command: BdatCommand): Promise<void> {
  const tx = session.tx;
  const refusal =
    !session.helo || !tx
      ? ([503, '5.5.1', 'Send MAIL first'] as const)
      : tx.recipients.length === 0
        ? ([554, '5.5.1', 'No valid recipients'] as const)
        : undefined;
  let state: BdatState | undefined;
  if (!refusal && tx) {
    tx.bdat ??= { normalizer: new BdatNormalizer(contentPolicy(session)), content: [] };
    state = tx.bdat;
  }
  // Read the chunk's octets whatever happens (RFC 3030 §2).
  let remaining = command.size;
  if (remaining > 0) {
    await session.conn.feed((chunk) => {
      const used = Math.min(remaining, chunk.length);
      remaining -= used;
      if (state)
        for (const piece of state.normalizer.push(chunk.subarray(0, used))) state.content.push(piece);
      return { used, done: remaining === 0 };
    }, session.settings.dataTimeoutMs);
  }
  if (refusal || !state) {
    const [code, enhanced, text] = refusal ?? [503, '5.5.1', 'Send MAIL first'];
    session.reply(code, enhanced, text);
    return;
  }
  if (!command.last) {
    if (state.normalizer.status.tooLarge) {
      session.resetTransaction();
      session.reply(552, '5.3.4', 'Message size exceeds fixed maximum message size');
      return;
    }
    session.reply(250, '2.0.0', `${command.size} octets received`);
    return;
  }
  for (const piece of state.normalizer.end()) state.content.push(piece);
  await completeTransaction(session, state.content, state.normalizer.status);
}
