/**
 * AUTH (RFC 4954) on the submission ports, with Loft's SASL mechanisms: base64 exchange lines,
 * `*` to cancel, plaintext mechanisms only where policy allows (TLS or loopback), failed
 * attempts delayed and counted per client IP.
 */

import { traceAllows } from '../../../core/log.ts';
import { delay } from '../../../core/rate-limit.ts';
import { createSaslServer, decodeBase64Strict, findMechanism } from '../../../proto/sasl/index.ts';
import type { SaslStep } from '../../../proto/sasl/mechanism.ts';
import type { AuthCommand } from '../../../proto/smtp/command-types.ts';
import type { SmtpSession } from '../session.ts';

export async function auth(session: SmtpSession, command: AuthCommand): Promise<void> {
  const { services, settings } = session;
  if (session.auth) {
    session.reply(503, '5.5.1', 'Already authenticated'); // RFC 4954 §4
    return;
  }
  if (services.authFailures.blocked(session.remoteIp)) {
    session.reply(454, '4.7.0', 'Too many failed authentications, try again later');
    return;
  }
  const info = findMechanism(command.mechanism);
  const server = info ? createSaslServer(info.name, services.credentials, settings.sasl) : undefined;
  if (!info || !server) {
    session.reply(504, '5.5.4', 'Unrecognized authentication type');
    return;
  }
  if (info.plaintext && !session.plaintextAllowed) {
    session.reply(538, '5.7.11', 'Encryption required for requested authentication mechanism'); // RFC 4954 §6
    return;
  }
  let step: SaslStep = await server.start(command.initialResponse ?? undefined);
  for (;;) {
    if (step.kind === 'failure') break;
    if (step.kind === 'success' && !step.data) break;
    // A challenge, or success with additional data (RFC 4954 §4: sent as a 334 challenge, answered empty).
    const data = step.kind === 'challenge' ? step.data : step.data!;
    session.reply(334, undefined, data.toString('base64'));
    await session.flush();
    const read = await session.conn.readLine(settings.maxAuthLine, settings.commandTimeoutMs);
    if (read.kind === 'too-long') {
      session.reply(500, '5.5.6', 'Authentication exchange line is too long');
      return;
    }
    const text = read.line.toString('latin1');
    if (traceAllows(session.trace, 'auth')) session.log.trace({ event: 'smtp.auth.line', line: text });
    if (text === '*') {
      session.reply(501, '5.0.0', 'Authentication cancelled'); // RFC 4954 §4
      return;
    }
    const decoded = decodeBase64Strict(text);
    if (!decoded) {
      session.reply(501, '5.5.2', 'Cannot decode response'); // RFC 4954 §4
      return;
    }
    if (step.kind === 'success') {
      if (decoded.length > 0) step = { kind: 'failure', reason: 'malformed' };
      else step = { kind: 'success', username: step.username };
      continue;
    }
    step = await server.step(decoded);
  }
  if (step.kind === 'success') {
    const accountId = await services.accountId(step.username).catch(() => undefined);
    if (accountId !== undefined) {
      session.auth = { accountId, address: step.username.toLowerCase() };
      session.log.info({ event: 'auth.success', mechanism: info.name, user: session.auth.address });
      session.reply(235, '2.7.0', 'Authentication successful');
      return;
    }
    step = { kind: 'failure', reason: 'credentials' };
  }
  switch (step.reason) {
    case 'malformed':
      session.reply(501, '5.5.2', 'Malformed authentication response');
      return;
    case 'unavailable':
      session.log.error({ event: 'auth.error', err: step.error }, 'credential lookup failed');
      session.reply(454, '4.7.0', 'Temporary authentication failure');
      return;
    default:
      services.authFailures.fail(session.remoteIp);
      session.log.info({ event: 'auth.failure', mechanism: info.name, reason: step.reason });
      await delay(settings.authFailureDelayMs);
      session.reply(535, '5.7.8', 'Authentication credentials invalid'); // RFC 4954 §6
  }
}
