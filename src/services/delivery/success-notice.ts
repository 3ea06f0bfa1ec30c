/**
 * Success notices (RFC 3461 §5.2.3): when Loft puts a message into the mailbox of a local
 * recipient whose RCPT asked NOTIFY=SUCCESS, it is the final MTA and reports `delivered` to the
 * envelope sender (RFC 3464 §2.3.3). A recipient that went to more than one place (an alias for
 * several accounts, or for accounts and remote addresses) is reported `expanded` (§5.2.7.3).
 *
 * The notice is built before the delivery commits and goes into the same storage transaction, as
 * an outbound queue entry from `<>` to the sender: the queue runner hands it to the sender's
 * mailbox or server. So no message is stored without its notice, and no notice tells of a message
 * that was not stored. Pure: bytes in, the report and its queue entry out.
 */

import type { QueueMessageInput } from '../../store/store.ts';
import { buildDsn, type DsnRecipient } from '../queue/dsn.ts';
import type { AcceptedRecipient, InboundMessage } from './delivery.ts';

/** The success notice for `message`, or undefined when no local recipient asked for one. */
export function successNotice(
  message: InboundMessage,
  stored: Buffer,
  context: { id: string; date: Date; hostname: string },
): { report: Buffer; queue: Omit<QueueMessageInput, 'blob'> } | undefined {
  // RFC 3461 §6.1: notices go to the reverse path; the null reverse path gets none (loops).
  if (message.sender === '') return undefined;
  const recipients = message.recipients.filter(wantsSuccess).map(toNotice);
  if (recipients.length === 0) return undefined;
  const international = message.trace.smtpUtf8;
  const report = buildDsn({
    hostname: context.hostname,
    to: message.sender,
    date: context.date,
    id: `${context.id}.delivered`,
    envId: message.envId,
    arrivalDate: context.date,
    recipients,
    original: stored,
    // RFC 3461 §4.3: RET asks for the content of failure reports only; a success returns the header.
    returnContent: 'headers',
    international,
  });
  return {
    report,
    queue: {
      sender: '',
      recipients: [{ address: message.sender, notify: ['NEVER'] }],
      blobOffset: 0,
      requireTls: false,
      smtpUtf8: international,
      eightBit: international,
    },
  };
}

function wantsSuccess(r: AcceptedRecipient): boolean {
  return r.accounts.length > 0 && r.notify?.includes('SUCCESS') === true;
}

function toNotice(r: AcceptedRecipient): DsnRecipient {
  const expanded = r.accounts.length + r.remote.length > 1;
  return {
    address: r.address,
    orcpt: r.orcpt,
    action: expanded ? 'expanded' : 'delivered',
    status: '2.0.0',
    diagnostic: expanded ? 'delivered to the mailboxes of an alias' : 'delivered to mailbox',
    diagnosticType: 'X-Loft',
  };
}
