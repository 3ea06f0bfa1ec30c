/**
 * AUTH (RFC 5034) with Loft's SASL mechanisms, shared with SMTP: `+ base64` challenges, `*` to
 * cancel, plaintext mechanisms only where policy allows (TLS or loopback), failed attempts
 * delayed and counted per client address. A bare `AUTH` lists the mechanisms (an extension many
 * clients probe with; RFC 5034 clients use CAPA's SASL line).
 */
import { traceAllows } from '../../../core/log.ts';
import type { CommandOf } from '../../../proto/pop3/command.ts';
import { encodeChallenge, encodeMultiline } from '../../../proto/pop3/response.ts';
import {
  advertisedMechanisms,
  createSaslServer,
  decodeBase64Strict,
  findMechanism,
} from '../../../proto/sasl/index.ts';
import type { SaslStep } from '../../../proto/sasl/mechanism.ts';
import { enterTransaction, loginAllowed, loginFailed } from '../login.ts';
import type { Pop3Session } from '../session.ts';

export async function auth(session: Pop3Session, command: CommandOf<'AUTH'>): Promise<void> {
  const { services, settings } = session;
  if (command.mechanism === null) {
    session.send(
      encodeMultiline('Supported mechanisms follow', [...advertisedMechanisms(session.plaintextAllowed)]),
    );
    return;
  }
  const info = findMechanism(command.mechanism);
  const server = info ? createSaslServer(info.name, services.credentials, settings.sasl) : undefined;
  if (!info || !server) {
    session.err('Unsupported authentication mechanism');
    return;
  }
  if (info.plaintext && !session.plaintextAllowed) {
    session.err('Plaintext authentication disallowed on non-secure connections, use STLS', 'AUTH');
    return;
  }
  if (!loginAllowed(session)) return;
  let step: SaslStep = await server.start(command.initialResponse);
  for (;;) {
    if (step.kind === 'failure') break;
    if (step.kind === 'success' && !step.data) break;
    // A challenge, or success with additional data: POP3 has no room for data in +OK, so it is
    // sent as one more challenge and must be answered with an empty line (RFC 4422 §5).
    const data = step.kind === 'challenge' ? step.data : step.data!;
    session.send(encodeChallenge(data));
    await session.flush();
    const read = await session.readLine(settings.maxAuthLine);
    if (read.kind === 'too-long') {
      session.err('Authentication exchange line is too long');
      return;
    }
    const text = read.line.toString('latin1');
    if (traceAllows(session.trace, 'auth')) session.log.trace({ event: 'pop3.auth.line', line: text });
    if (text === '*') {
      session.err('Authentication cancelled'); // RFC 5034 §4
      return;
    }
    const decoded = decodeBase64Strict(text);
    if (!decoded) {
      session.err('Cannot decode base64 response'); // RFC 5034 §4
      return;
    }
    if (step.kind === 'success') {
      step =
        decoded.length > 0
          ? { kind: 'failure', reason: 'malformed' }
          : { kind: 'success', username: step.username };
      continue;
    }
    step = await server.step(decoded);
  }
  if (step.kind === 'success') {
    await enterTransaction(session, step.username, info.name);
    return;
  }
  switch (step.reason) {
    case 'malformed':
      session.err('Malformed authentication response');
      return;
    case 'unavailable':
      session.log.error({ event: 'auth.error', err: step.error }, 'credential lookup failed');
      session.err('Temporary authentication failure, try again later', 'SYS/TEMP');
      return;
    default:
      await loginFailed(session, info.name, step.reason);
  }
}
