/**
 * AUTHENTICATE (RFC 9051 §6.2.2) with the shared SASL mechanisms and SASL-IR (RFC 4959):
 * continuation lines in base64, `*` cancels.
 */

import { encodeContinuation } from '../../../proto/imap/encode.ts';
import type { AuthenticateCommand } from '../../../proto/imap/parse/index.ts';
import { parseSaslResponse } from '../../../proto/imap/parse/index.ts';
import { createSaslServer, findMechanism } from '../../../proto/sasl/index.ts';
import type { SaslStep } from '../../../proto/sasl/mechanism.ts';
import { loggedIn, loginFailed, tooManyFailures } from '../login.ts';
import type { Completion, ImapSession } from '../session.ts';

export async function authenticate(
  session: ImapSession,
  _tag: string,
  command: AuthenticateCommand,
): Promise<Completion> {
  const info = findMechanism(command.mechanism);
  const server = info
    ? createSaslServer(info.name, session.services.credentials, session.settings.sasl)
    : undefined;
  if (!info || !server) return { kind: 'NO', text: 'Unsupported mechanism', code: { name: 'CANNOT' } };
  if (info.plaintext && !session.plaintextAllowed) {
    return { kind: 'NO', text: 'Use STARTTLS first', code: { name: 'PRIVACYREQUIRED' } };
  }
  const blocked = tooManyFailures(session);
  if (blocked) return blocked;
  let step: SaslStep = await server.start(command.initialResponse ?? undefined);
  session.framer.setMode('line');
  try {
    while (step.kind === 'challenge' || (step.kind === 'success' && step.data)) {
      const data = step.kind === 'challenge' ? step.data : step.data!;
      session.send(encodeContinuation(data));
      await session.flush();
      const event = await session.nextEvent(session.settings.idleTimeoutMs);
      if (event.kind !== 'line') return { kind: 'BAD', text: 'Authentication exchange broken' };
      const response = parseSaslResponse(event.line);
      if (response.kind === 'cancel') return { kind: 'BAD', text: 'Authentication cancelled' };
      if (response.kind === 'invalid') return { kind: 'BAD', text: 'Invalid base64 in response' };
      if (step.kind === 'success') {
        step =
          response.data.length === 0
            ? { kind: 'success', username: step.username }
            : { kind: 'failure', reason: 'malformed' };
      } else {
        step = await server.step(response.data);
      }
    }
  } finally {
    session.framer.setMode('command');
  }
  if (step.kind === 'success') return loggedIn(session, step.username, info.name);
  if (step.reason === 'malformed') return { kind: 'BAD', text: 'Malformed authentication exchange' };
  if (step.reason === 'unavailable') {
    return { kind: 'NO', text: 'Temporary authentication failure', code: { name: 'UNAVAILABLE' } };
  }
  return loginFailed(session, info.name);
}
