/**
 * What a transaction needs from the peer, decided before anything is sent (so no recipient is
 * half-delivered): SIZE (RFC 1870 §6.1), 8BITMIME and BINARYMIME (RFC 6152 §3, RFC 3030 §3),
 * SMTPUTF8 (RFC 6531 §3.2). Pure. Also builds the MAIL FROM and RCPT TO lines with the parameters
 * the peer supports (DSN only when offered, RFC 3461 §5).
 */
import { needsSmtputf8 } from '../../proto/smtp/address.ts';
import { encodeMail, encodeRcpt, type MailEncodeParams } from '../../proto/smtp/command-encode.ts';
import type { Extensions } from './extensions.ts';
import type { Envelope } from './types.ts';

/** A refusal decided by the client: permanent, with an enhanced code and a clear text. */
export interface CheckFailure {
  readonly enhanced: string;
  readonly text: string;
}

/** True when the transaction must declare SMTPUTF8: the message says so, or an address is not ASCII. */
export function transactionNeedsSmtputf8(envelope: Envelope): boolean {
  if (envelope.smtputf8 === true) return true;
  if (envelope.from !== null && needsSmtputf8(envelope.from)) return true;
  return envelope.recipients.some((r) => needsSmtputf8(r.address));
}

/** Checks the transaction against the peer's extensions; `null` when it can be sent. */
export function checkTransaction(
  envelope: Envelope,
  size: number,
  ext: Extensions,
  peer: string,
): CheckFailure | null {
  // RFC 1870 §6.1: do not send a message larger than the server's declared limit (0: no limit).
  if (ext.size !== null && ext.size > 0 && size > ext.size) {
    return {
      enhanced: '5.3.4',
      text: `Message of ${size} octets is larger than ${peer} accepts (SIZE ${ext.size})`,
    };
  }
  // RFC 6531 §3.2: without SMTPUTF8 at the peer, such a message cannot be sent (no downgrade).
  if (transactionNeedsSmtputf8(envelope) && !ext.smtputf8) {
    return {
      enhanced: '5.6.7',
      text: `Message needs SMTPUTF8 (internationalized addresses or headers) and ${peer} does not support it`,
    };
  }
  // RFC 6152 §3: 8-bit content only to a server offering 8BITMIME (Loft does not downgrade).
  if (envelope.body === '8BITMIME' && !ext.eightBitMime) {
    return { enhanced: '5.6.3', text: `Message has 8-bit content and ${peer} does not offer 8BITMIME` };
  }
  // RFC 3030 §3: binary content needs BINARYMIME, which needs CHUNKING.
  if (envelope.body === 'BINARYMIME' && !(ext.binaryMime && ext.chunking)) {
    return { enhanced: '5.6.3', text: `Message has binary content and ${peer} does not offer BINARYMIME` };
  }
  return null;
}

/** The MAIL FROM line for the peer: SIZE, BODY, SMTPUTF8 and the DSN parameters when offered. */
export function mailLine(envelope: Envelope, size: number, ext: Extensions): string {
  const params: { -readonly [K in keyof MailEncodeParams]: MailEncodeParams[K] } = {};
  if (ext.size !== null) params.size = size;
  if (envelope.body !== undefined && envelope.body !== '7BIT') params.body = envelope.body;
  else if (ext.eightBitMime && envelope.body === '7BIT') params.body = '7BIT';
  if (transactionNeedsSmtputf8(envelope)) params.smtputf8 = true;
  if (ext.dsn) {
    params.ret = envelope.ret;
    params.envid = envelope.envid;
  }
  return encodeMail(envelope.from, params);
}

/** The RCPT TO line of recipient `index`, with NOTIFY and ORCPT when the peer offers DSN. */
export function rcptLine(envelope: Envelope, index: number, ext: Extensions): string {
  const r = envelope.recipients[index]!;
  return encodeRcpt(r.address, ext.dsn ? { notify: r.notify, orcpt: r.orcpt } : {});
}
