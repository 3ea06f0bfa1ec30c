/**
 * Delivery status notifications: RFC 3464 `message/delivery-status` inside an RFC 6522
 * `multipart/report`, with the original message or its header (RFC 3461 §4.3 RET). For an
 * internationalized message (sent with SMTPUTF8), RFC 6533: `message/global-delivery-status`,
 * UTF-8 addresses of type `utf-8`, and the message as `message/global` or its header as
 * `message/global-headers`. Pure: it builds the bytes of the report, the runner hands them to
 * the delivery point.
 */
import { rfc5322Date } from '../delivery/trace.ts';

/** RFC 3464 §2.3.3 Action. */
export type DsnAction = 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';

/** One recipient's report (RFC 3464 §2.3). */
export interface DsnRecipient {
  /** The address the message was sent to (Final-Recipient, §2.3.2). */
  address: string;
  /** RFC 3461 ORCPT as given at submission (Original-Recipient, §2.3.1). */
  orcpt?: { type: string; address: string } | undefined;
  action: DsnAction;
  /** RFC 3463 status code, e.g. `5.1.1` (§2.3.4). */
  status: string;
  /** The host that answered (Remote-MTA, §2.3.5). */
  remoteMta?: string | undefined;
  /** The remote server's reply, e.g. `550 5.1.1 No such user` (Diagnostic-Code, §2.3.6). */
  diagnostic?: string | undefined;
  /**
   * The diagnostic's type (§2.3.6): `smtp` (the default) for a remote server's reply; Loft's own
   * reason for a failure it decided itself (null MX, no such domain, a loop) is of type `X-Loft`,
   * as Postfix writes `X-Postfix`, since no SMTP server issued it.
   */
  diagnosticType?: 'smtp' | 'X-Loft' | undefined;
  lastAttempt?: Date | undefined;
  /** For `delayed`: until when Loft keeps trying (§2.3.9). */
  willRetryUntil?: Date | undefined;
}

/** What a report says, and about which message. */
export interface DsnInput {
  /** This host's name (Reporting-MTA, §2.2.2) and the From domain. */
  hostname: string;
  /** The envelope sender of the original message: the report's recipient. */
  to: string;
  date: Date;
  /** Unique id for Message-ID and the MIME boundary. */
  id: string;
  /** RFC 3461 ENVID (Original-Envelope-Id, §2.2.1). */
  envId?: string | undefined;
  arrivalDate?: Date | undefined;
  recipients: readonly DsnRecipient[];
  /** The original message as it was queued (header and body). */
  original: Buffer;
  /** Return the whole message or only its header (RFC 3461 §4.3). */
  returnContent: 'full' | 'headers';
  /** The original needed SMTPUTF8 (RFC 6531): the report uses RFC 6533's global types. */
  international?: boolean;
}

const SUBJECTS: Record<DsnAction, string> = {
  failed: 'Undelivered Mail Returned to Sender',
  delayed: 'Delayed Mail (still being retried)',
  delivered: 'Successful Mail Delivery Report',
  relayed: 'Successful Mail Delivery Report',
  expanded: 'Successful Mail Delivery Report',
};

const EXPLANATIONS: Record<DsnAction, string> = {
  failed: 'could not be delivered to the following recipients; this is a permanent error',
  delayed: 'has not been delivered yet to the following recipients; delivery is being retried',
  delivered: 'was delivered to the following recipients',
  relayed: 'was passed on to the following recipients, whose servers do not report delivery',
  expanded: 'was delivered to the following recipients',
};

/** Builds the report message (CRLF line ends), to be sent with the null reverse path `<>`. */
export function buildDsn(input: DsnInput): Buffer {
  const action = input.recipients[0]?.action ?? 'failed';
  const international = input.international === true;
  const boundary = `loft-report-${input.id}`;
  const header = [
    `From: Mail Delivery System <MAILER-DAEMON@${input.hostname}>`,
    `To: <${clean(input.to)}>`,
    `Subject: ${SUBJECTS[action]}`,
    `Date: ${rfc5322Date(input.date)}`,
    `Message-ID: <${input.id}.dsn@${input.hostname}>`,
    // RFC 3834 §5: an automatic message, never to be answered automatically.
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    // RFC 6522 §3: report-type names the subtype of the second part.
    `Content-Type: multipart/report; report-type=${international ? 'global-delivery-status' : 'delivery-status'};\r\n\tboundary="${boundary}"`,
  ];
  const human = [
    `This is the mail system at ${input.hostname}.`,
    '',
    `Your message ${EXPLANATIONS[action]}:`,
    '',
    ...input.recipients.map(
      (r) => `  <${clean(r.address)}>${r.diagnostic ? `: ${clean(r.diagnostic)}` : ` (${r.status})`}`,
    ),
    '',
  ];
  // RFC 3464 §2.2: the per-message fields, then one block per recipient, blocks separated by a blank line.
  const perMessage = [`Reporting-MTA: dns; ${input.hostname}`];
  if (input.envId) perMessage.push(`Original-Envelope-Id: ${clean(input.envId)}`);
  if (input.arrivalDate) perMessage.push(`Arrival-Date: ${rfc5322Date(input.arrivalDate)}`);
  const blocks = input.recipients.map((r) => {
    const lines: string[] = [];
    if (r.orcpt) lines.push(`Original-Recipient: ${clean(r.orcpt.type)};${clean(r.orcpt.address)}`);
    lines.push(`Final-Recipient: ${addressType(r.address, international)};${clean(r.address)}`);
    lines.push(`Action: ${r.action}`);
    lines.push(`Status: ${r.status}`);
    if (r.remoteMta) lines.push(`Remote-MTA: dns; ${clean(r.remoteMta)}`);
    if (r.diagnostic) lines.push(`Diagnostic-Code: ${r.diagnosticType ?? 'smtp'}; ${clean(r.diagnostic)}`);
    if (r.lastAttempt) lines.push(`Last-Attempt-Date: ${rfc5322Date(r.lastAttempt)}`);
    if (r.willRetryUntil) lines.push(`Will-Retry-Until: ${rfc5322Date(r.willRetryUntil)}`);
    return lines.join('\r\n');
  });
  const status = [perMessage.join('\r\n'), ...blocks].join('\r\n\r\n');
  const full = input.returnContent === 'full';
  const returned = full
    ? { type: international ? 'message/global' : 'message/rfc822', body: input.original }
    : {
        type: international ? 'message/global-headers' : 'text/rfc822-headers',
        body: headerOf(input.original),
      };
  const statusType = international ? 'message/global-delivery-status' : 'message/delivery-status';
  const parts = [
    `${header.join('\r\n')}\r\n\r\nThis is a MIME-encapsulated delivery status report.\r\n\r\n`,
    `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Description: Notification\r\n\r\n`,
    `${human.join('\r\n')}\r\n`,
    `--${boundary}\r\nContent-Type: ${statusType}\r\nContent-Description: Delivery report\r\n\r\n`,
    `${status}\r\n\r\n`,
    `--${boundary}\r\nContent-Type: ${returned.type}\r\nContent-Description: ${describeReturned(action, full)}\r\n\r\n`,
  ];
  return Buffer.concat([
    Buffer.from(parts.join('')),
    withFinalCrlf(returned.body),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
}

/** The third part's description: the message, or its header, delivered or not. */
function describeReturned(action: DsnAction, full: boolean): string {
  const undelivered = action === 'failed' || action === 'delayed';
  return `${undelivered ? 'Undelivered message' : 'Message'}${full ? '' : ' header'}`;
}

/** The header section of a message, with its ending blank line (RFC 5322 §2.1). */
export function headerOf(message: Buffer): Buffer {
  const end = message.indexOf('\r\n\r\n');
  return end === -1 ? message : message.subarray(0, end + 4);
}

function withFinalCrlf(body: Buffer): Buffer {
  return body.length >= 2 && body[body.length - 2] === 13 && body[body.length - 1] === 10
    ? body
    : Buffer.concat([body, Buffer.from('\r\n')]);
}

/**
 * The address type of a DSN address field: `utf-8` for a non-ASCII address in a report about an
 * internationalized message (RFC 6533 §3), `rfc822` otherwise (RFC 3464 §2.3.2).
 */
function addressType(address: string, international: boolean): string {
  return international && /[^\x00-\x7f]/.test(address) ? 'utf-8' : 'rfc822';
}

/** One line of header text: no control characters from a remote reply or an address. */
function clean(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 900);
}
