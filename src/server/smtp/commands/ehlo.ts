/**
 * EHLO and HELO (RFC 5321 §4.1.1.1): greet, reset any transaction, and (EHLO) list the
 * extensions this port offers in the session's current state.
 */
import { advertisedMechanisms } from '../../../proto/sasl/index.ts';
import type { HeloCommand } from '../../../proto/smtp/command-types.ts';
import type { SmtpSession } from '../session.ts';

export function ehlo(session: SmtpSession, command: HeloCommand): void {
  // RFC 5321 §4.1.4: EHLO/HELO may be repeated; each resets the transaction like RSET.
  session.resetTransaction();
  const esmtp = command.verb === 'EHLO';
  session.helo = { host: command.host, domain: command.domain, esmtp };
  const greeting = `${session.settings.hostname} Hello ${command.host} [${session.remoteIp}]`;
  if (!esmtp) {
    session.reply(250, undefined, greeting);
    return;
  }
  session.reply(250, undefined, greeting, ...extensions(session));
}

/** The EHLO keywords offered now. */
export function extensions(session: SmtpSession): string[] {
  const { settings, conn } = session;
  const lines = [
    'PIPELINING', // RFC 2920
    `SIZE ${settings.maxMessageSize}`, // RFC 1870
    '8BITMIME', // RFC 6152
    'SMTPUTF8', // RFC 6531
    'ENHANCEDSTATUSCODES', // RFC 2034
    'CHUNKING', // RFC 3030
    'DSN', // RFC 3461
  ];
  if (!conn.secure)
    lines.push('STARTTLS'); // RFC 3207 §4.2: not offered again after TLS
  else lines.push('REQUIRETLS'); // RFC 8689 §4.1: offered only over TLS
  if (settings.mode === 'submission' && !session.auth) {
    const mechanisms = advertisedMechanisms(session.plaintextAllowed);
    if (mechanisms.length > 0) lines.push(`AUTH ${mechanisms.join(' ')}`); // RFC 4954 §3
  }
  return lines;
}
