/**
 * RCPT TO (RFC 5321 §4.1.1.3) with the DSN parameters NOTIFY and ORCPT (RFC 3461 §4.1–4.2).
 * MX: only Loft's domains (554 5.7.1 relay denied otherwise), unknown users 550 5.1.1.
 * Submission: local recipients are resolved alike; remote ones go to the outbound queue.
 */
import { formatMailbox } from '../../../proto/smtp/address.ts';
import type { RcptCommand } from '../../../proto/smtp/command-types.ts';
import type { QueueRecipientInput } from '../../../services/delivery/delivery.ts';
import { replyForError } from '../errors.ts';
import type { AcceptedRecipient } from '../services.ts';
import type { SmtpSession } from '../session.ts';

export async function rcpt(session: SmtpSession, command: RcptCommand): Promise<void> {
  const tx = session.tx;
  if (!tx) {
    session.reply(503, '5.5.1', 'Send MAIL first');
    return;
  }
  if (tx.bdat) {
    session.reply(503, '5.5.1', 'RCPT not allowed after BDAT');
    return;
  }
  if (tx.recipients.length >= session.settings.maxRecipients) {
    session.reply(452, '4.5.3', 'Too many recipients'); // RFC 5321 §4.5.3.1.10
    return;
  }
  if (command.utf8 && !tx.params.smtputf8) {
    session.reply(553, '5.6.7', 'Non-ASCII address requires the SMTPUTF8 parameter'); // RFC 6531 §3.5
    return;
  }
  let address: string;
  if (command.to === 'postmaster') {
    const domain = await session.services.primaryDomain();
    if (!domain) {
      session.reply(550, '5.1.1', 'No postmaster here');
      return;
    }
    address = `postmaster@${domain}`;
  } else {
    address = formatMailbox(command.to);
  }
  const dsn: QueueRecipientInput = {
    address,
    notify:
      command.params.notify === undefined
        ? undefined
        : command.params.notify === 'NEVER'
          ? ['NEVER']
          : [...command.params.notify],
    orcpt: command.params.orcpt
      ? { type: command.params.orcpt.addrType, address: command.params.orcpt.address }
      : undefined,
  };
  try {
    const route = await session.services.route(address);
    if (route.kind === 'unknown') {
      session.reply(550, '5.1.1', 'No such user here');
      return;
    }
    if (route.kind === 'local') {
      const { accounts, remote, inboxes } = route.resolution;
      addRecipient(session, { ...dsn, accounts, remote, inboxes });
    } else if (session.settings.mode === 'submission') {
      addRecipient(session, { ...dsn, accounts: [], remote: [address] });
    } else {
      session.reply(554, '5.7.1', 'Relay access denied');
      return;
    }
  } catch (err) {
    const reply = replyForError(err);
    session.log.warn({ event: 'smtp.rcpt.error', err }, 'recipient lookup failed');
    session.reply(reply.code, reply.enhanced, reply.text);
    return;
  }
  session.reply(250, '2.1.5', 'Recipient OK');
}

function addRecipient(session: SmtpSession, recipient: AcceptedRecipient): void {
  const tx = session.tx!;
  if (!tx.recipients.some((r) => r.address.toLowerCase() === recipient.address.toLowerCase())) {
    tx.recipients.push(recipient);
  }
}
