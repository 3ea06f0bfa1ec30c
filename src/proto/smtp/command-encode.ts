/**
 * Encoders of SMTP command lines for the client side: the inverse of `command.ts` and
 * `params.ts`. MAIL FROM and RCPT TO with their ESMTP parameters (RFC 5321 §4.1.1.2,
 * §4.1.1.3, §4.1.2): SIZE (RFC 1870), BODY (RFC 6152, RFC 3030), SMTPUTF8 (RFC 6531), RET and
 * ENVID, NOTIFY and ORCPT (RFC 3461), REQUIRETLS (RFC 8689). Pure.
 *
 * No line can carry a CR, LF or NUL: values are xtext-encoded, and an address holding a control
 * character is a RangeError (a programming error; parsed addresses never hold one), so nothing
 * can be smuggled into the command stream.
 */
import { type ForwardPath, formatPath, type Mailbox } from './address.ts';
import type { BodyType, NotifyEvent, OriginalRecipient } from './command-types.ts';
import { encodeUtf8AddrXtext, encodeXtext } from './xtext.ts';

/** The MAIL FROM parameters to send; absent fields are not sent. */
export interface MailEncodeParams {
  readonly size?: number | undefined;
  readonly body?: BodyType | undefined;
  readonly smtputf8?: boolean | undefined;
  readonly ret?: 'FULL' | 'HDRS' | undefined;
  /** Sent xtext-encoded (RFC 3461 §4.4). */
  readonly envid?: string | undefined;
  readonly requireTls?: boolean | undefined;
}

/** The RCPT TO parameters to send (RFC 3461 §4.1, §4.2); absent fields are not sent. */
export interface RcptEncodeParams {
  readonly notify?: 'NEVER' | readonly NotifyEvent[] | undefined;
  readonly orcpt?: OriginalRecipient | undefined;
}

const UNSAFE = /[\r\n\0]/;

function line(text: string): string {
  if (UNSAFE.test(text)) throw new RangeError('SMTP command contains CR, LF or NUL');
  return `${text}\r\n`;
}

/** `MAIL FROM:<path> [params]` CRLF (RFC 5321 §4.1.1.2). */
export function encodeMail(from: Mailbox | null, params: MailEncodeParams = {}): string {
  const parts = [`MAIL FROM:${formatPath(from)}`];
  if (params.size !== undefined) {
    if (!Number.isSafeInteger(params.size) || params.size < 0) throw new RangeError('invalid SIZE');
    parts.push(`SIZE=${params.size}`);
  }
  if (params.body !== undefined) parts.push(`BODY=${params.body}`);
  if (params.smtputf8 === true) parts.push('SMTPUTF8');
  if (params.requireTls === true) parts.push('REQUIRETLS');
  if (params.ret !== undefined) parts.push(`RET=${params.ret}`);
  if (params.envid !== undefined) parts.push(`ENVID=${encodeXtext(params.envid)}`);
  return line(parts.join(' '));
}

/**
 * The ORCPT value (RFC 3461 §4.2): `rfc822;xtext` for ASCII addresses, `utf-8;utf-8-addr-xtext`
 * (RFC 6533 §3) when the address is not ASCII or the type is already `utf-8`.
 */
export function encodeOrcpt(orcpt: OriginalRecipient): string {
  const ascii = /^[\x20-\x7e]*$/.test(orcpt.address);
  if (orcpt.addrType === 'utf-8' || !ascii) return `utf-8;${encodeUtf8AddrXtext(orcpt.address)}`;
  return `${orcpt.addrType};${encodeXtext(orcpt.address)}`;
}

/** `RCPT TO:<path> [params]` CRLF (RFC 5321 §4.1.1.3). */
export function encodeRcpt(to: ForwardPath, params: RcptEncodeParams = {}): string {
  const parts = [`RCPT TO:${formatPath(to)}`];
  if (params.notify !== undefined) {
    if (params.notify !== 'NEVER' && params.notify.length === 0) throw new RangeError('empty NOTIFY');
    parts.push(`NOTIFY=${params.notify === 'NEVER' ? 'NEVER' : params.notify.join(',')}`);
  }
  if (params.orcpt !== undefined) parts.push(`ORCPT=${encodeOrcpt(params.orcpt)}`);
  return line(parts.join(' '));
}

/** `EHLO name` or `HELO name` CRLF (RFC 5321 §4.1.1.1). */
export function encodeHelo(verb: 'EHLO' | 'HELO', name: string): string {
  if (!/^[\x21-\x7e]+$/.test(name)) throw new RangeError('invalid EHLO name');
  return line(`${verb} ${name}`);
}

/** `BDAT size [LAST]` CRLF (RFC 3030 §2). */
export function encodeBdat(size: number, last: boolean): string {
  return line(last ? `BDAT ${size} LAST` : `BDAT ${size}`);
}
