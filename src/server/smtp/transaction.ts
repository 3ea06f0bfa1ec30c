/**
 * Completing a mail transaction (end of DATA or BDAT LAST): refuse content that broke a limit,
 * otherwise hand the message to the one delivery point and answer 250 only once it is durable.
 */
import type { ContentStatus } from '../../proto/smtp/content.ts';
import { DeliveryService } from '../../services/delivery/delivery.ts';
import { replyForError } from './errors.ts';
import type { InboundVerdict } from './services.ts';
import type { SmtpSession } from './session.ts';

/** The content policy of this session's settings, for the DATA decoder and BDAT normalizer. */
export function contentPolicy(session: SmtpSession): {
  bareLineEnds: 'normalize' | 'reject';
  maxSize: number;
  maxLineLength: number;
} {
  const { settings } = session;
  return {
    bareLineEnds: settings.bareLineEnds,
    maxSize: settings.maxMessageSize,
    maxLineLength: settings.maxTextLine > 0 ? settings.maxTextLine : Number.POSITIVE_INFINITY,
  };
}

/** SPF, DKIM and DMARC of a message arriving on port 25 (MX mode only; never for submission). */
function checkInbound(
  session: SmtpSession,
  sender: string,
  content: readonly Buffer[],
): Promise<InboundVerdict | undefined> {
  const check = session.services.checkInbound;
  if (session.settings.mode !== 'mx' || !check) return Promise.resolve(undefined);
  return check({ content, ip: session.remoteIp, helo: session.helo?.host ?? '', sender });
}

/** Replies to the end of the content and ends the transaction. */
export async function completeTransaction(
  session: SmtpSession,
  content: Buffer[],
  status: ContentStatus,
): Promise<void> {
  const tx = session.tx;
  session.resetTransaction();
  if (!tx) return;
  if (status.tooLarge) {
    session.reply(552, '5.3.4', 'Message size exceeds fixed maximum message size'); // RFC 1870 §6.3
    return;
  }
  if (status.refused === 'bare-line-end') {
    session.reply(554, '5.6.0', 'Bare CR or LF in message content not allowed'); // RFC 5321 §2.3.8
    return;
  }
  if (status.longLine) {
    session.reply(554, '5.3.4', 'Message line too long'); // RFC 5321 §4.5.3.1.6
    return;
  }
  const id = DeliveryService.newId();
  const conn = session.conn;
  try {
    const verdict = await checkInbound(session, tx.sender, content);
    if (verdict?.action === 'reject') {
      session.log.info({ event: 'smtp.refused.dmarc', id, reason: verdict.reason });
      session.reply(550, '5.7.1', verdict.reason ?? "Message refused by the sender domain's policy"); // RFC 7489 §6.6.3
      return;
    }
    const receipt = await session.services.deliver(
      {
        sender: tx.sender,
        recipients: tx.recipients,
        content,
        trace: {
          helo: session.helo?.host ?? '',
          heloDomain: session.helo?.domain ?? undefined,
          remoteIp: session.remoteIp,
          hostname: session.settings.hostname,
          esmtp: session.helo?.esmtp ?? false,
          tls: conn.tlsInfo(),
          authenticated: session.auth !== undefined,
          smtpUtf8: tx.params.smtputf8,
        },
        envId: tx.params.envid,
        ret: tx.params.ret,
        requireTls: tx.params.requireTls,
        eightBit: tx.params.body === '8BITMIME',
        accountId: session.auth?.accountId,
        authResults: verdict?.authResults,
        junk: verdict?.action === 'junk',
      },
      id,
    );
    session.log.info({
      event: 'smtp.delivered',
      id,
      size: status.size,
      recipients: tx.recipients.length,
      local: receipt.localCopies,
      queued: receipt.queueId,
    });
    session.reply(250, '2.0.0', `OK: queued as ${id}`);
  } catch (err) {
    const reply = replyForError(err);
    session.log.error({ event: 'smtp.delivery.failed', id, err }, 'delivery failed');
    session.reply(reply.code, reply.enhanced, reply.text);
  }
}
