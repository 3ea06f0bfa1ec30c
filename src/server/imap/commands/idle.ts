/**
 * IDLE (RFC 2177, RFC 9051 §6.3.13): changes to the selected mailbox are pushed as they happen
 * (deliveries, other sessions, POP3) until the client sends DONE. The autologout timer of 30
 * minutes (RFC 9051 §5.4) applies to the wait.
 */
import { encodeContinuation } from '../../../proto/imap/encode.ts';
import { isIdleDone, type SimpleCommand } from '../../../proto/imap/parse/index.ts';
import type { Completion, ImapSession } from '../session.ts';

export async function idle(session: ImapSession, _tag: string, _command: SimpleCommand): Promise<Completion> {
  await session.reportUpdates(true);
  session.send(encodeContinuation('idling'));
  await session.flush();
  const selected = session.selected;
  let pushing = Promise.resolve();
  if (selected) {
    selected.onChange = () => {
      pushing = pushing
        .then(async () => {
          await session.reportUpdates(true);
          await session.flush();
        })
        .catch((err: unknown) => session.log.warn({ event: 'imap.idle.push.failed', err }));
    };
  }
  session.framer.setMode('line');
  try {
    const event = await session.nextEvent(session.settings.idleTimeoutMs);
    await pushing;
    if (event.kind !== 'line' || !isIdleDone(event.line)) return { kind: 'BAD', text: 'Expected DONE' };
    return { kind: 'OK', text: 'IDLE terminated' };
  } finally {
    if (selected) selected.onChange = undefined;
    session.framer.setMode('command');
  }
}
