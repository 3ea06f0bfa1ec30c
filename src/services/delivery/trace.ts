/**
 * Trace header fields added at delivery: Received (RFC 5321 §4.4, with the protocol names of
 * RFC 3848 and RFC 6531 §3.7.3) and Return-Path (RFC 5321 §4.4, added at final delivery only).
 */

export interface TraceInfo {
  /** The argument the client gave in EHLO/HELO, as sent. */
  helo: string;
  /** That argument as a valid domain or address literal, when it is one. */
  heloDomain?: string | undefined;
  remoteIp: string;
  /** Our own hostname. */
  hostname: string;
  esmtp: boolean;
  tls: { protocol: string; cipher: string } | undefined;
  authenticated: boolean;
  smtpUtf8: boolean;
  /** A short id of this transaction, also logged. */
  id: string;
  /** Only when the message has exactly one recipient (RFC 5321 §4.4 `for`: privacy otherwise). */
  forRecipient?: string | undefined;
  date: Date;
}

/** The WITH protocol keyword: SMTP, ESMTP, ESMTPS, ESMTPA, ESMTPSA, UTF8SMTP… */
export function withProtocol(info: Pick<TraceInfo, 'esmtp' | 'tls' | 'authenticated' | 'smtpUtf8'>): string {
  if (!info.esmtp) return 'SMTP';
  const base = info.smtpUtf8 ? 'UTF8SMTP' : 'ESMTP';
  return base + (info.tls ? 'S' : '') + (info.authenticated ? 'A' : '');
}

/** Formats a Received header field, folded, ending with CRLF. */
export function receivedHeader(info: TraceInfo): string {
  const ip = info.remoteIp.includes(':') ? `IPv6:${info.remoteIp}` : info.remoteIp;
  // RFC 5321 §4.4 Extended-Domain: a valid EHLO name stands as the From-domain; anything else
  // goes, escaped, into the TCP-info comment beside the address literal, so it cannot break the field.
  const from = info.heloDomain
    ? `from ${info.heloDomain} ([${ip}])`
    : `from [${ip}] (helo=${commentText(sanitize(info.helo))})`;
  const lines = [`Received: ${from}`, `\tby ${info.hostname} (Loft)`];
  const tls = info.tls ? ` (${sanitize(info.tls.protocol)} ${sanitize(info.tls.cipher)})` : '';
  lines.push(`\twith ${withProtocol(info)}${tls} id ${info.id}`);
  if (info.forRecipient) lines.push(`\tfor <${sanitize(info.forRecipient)}>`);
  lines[lines.length - 1] += `; ${rfc5322Date(info.date)}`;
  return `${lines.join('\r\n')}\r\n`;
}

/** Return-Path: <sender> (the empty path for bounces). */
export function returnPathHeader(sender: string): string {
  return `Return-Path: <${sanitize(sender)}>\r\n`;
}

/** RFC 5322 §3.3 date-time, e.g. `Fri, 27 Nov 2026 21:08:42 +0000`. */
export function rfc5322Date(date: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${days[date.getUTCDay()]}, ${date.getUTCDate()} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/** Escapes text for a header comment (RFC 5322 §3.2.2 ccontent: quoted-pair for ( ) \\). */
function commentText(text: string): string {
  return text.replace(/[()\\]/g, (c) => `\\${c}`) || 'none';
}

/** Keeps header text on one line and free of control characters, whatever a client sent. */
function sanitize(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, '').slice(0, 255);
}
