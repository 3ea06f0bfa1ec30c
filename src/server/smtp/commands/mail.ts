/**
 * MAIL FROM (RFC 5321 §4.1.1.2) with the ESMTP parameters Loft offers: SIZE (RFC 1870), BODY
 * (RFC 6152), SMTPUTF8 (RFC 6531), RET/ENVID (RFC 3461), AUTH= (RFC 4954 §5, accepted and not
 * trusted), REQUIRETLS (RFC 8689). On the submission ports the sender must be an address of the
 * authenticated account.
 */
import { formatMailbox } from '../../../proto/smtp/address.ts';
import type { MailCommand } from '../../../proto/smtp/command-types.ts';
import { replyForError } from '../errors.ts';
import type { SmtpSession } from '../session.ts';

export async function mail(session: SmtpSession, command: MailCommand): Promise<void> {
  const { params } = command;
  if (session.tx) {
    session.reply(503, '5.5.1', 'Nested MAIL command');
    return;
  }
  if (session.settings.mode === 'submission' && !session.auth) {
    session.reply(530, '5.7.0', 'Authentication required'); // RFC 4954 §6
    return;
  }
  if (command.utf8 && !params.smtputf8) {
    session.reply(553, '5.6.7', 'Non-ASCII address requires the SMTPUTF8 parameter'); // RFC 6531 §3.5
    return;
  }
  if (params.body === 'BINARYMIME') {
    session.reply(504, '5.5.4', 'BODY=BINARYMIME not supported'); // not advertised (RFC 3030 §3)
    return;
  }
  if (params.size !== undefined && params.size > session.settings.maxMessageSize) {
    session.reply(552, '5.3.4', 'Message size exceeds fixed maximum message size'); // RFC 1870 §6.3
    return;
  }
  if (params.requireTls && !session.conn.secure) {
    session.reply(530, '5.7.10', 'REQUIRETLS needs a TLS connection'); // RFC 8689 §4
    return;
  }
  const sender = command.from ? formatMailbox(command.from) : '';
  if (session.settings.mode === 'submission' && session.auth) {
    const allowed = await senderAllowed(session, sender).catch((err: unknown) => err);
    if (allowed instanceof Error) {
      const reply = replyForError(allowed);
      session.reply(reply.code, reply.enhanced, reply.text);
      return;
    }
    if (!allowed) {
      session.reply(553, '5.7.1', `Sender address not owned by ${session.auth.address}`);
      return;
    }
  }
  session.tx = { from: command.from, sender, params, recipients: [] };
  session.reply(250, '2.1.0', 'Sender OK');
}

/** The sender must resolve to the authenticated account: its address, a +tag of it, or an alias of it. */
async function senderAllowed(session: SmtpSession, sender: string): Promise<boolean> {
  const auth = session.auth;
  if (!auth || sender === '') return false;
  const route = await session.services.route(sender);
  return route.kind === 'local' && route.resolution.accounts.includes(auth.accountId);
}
