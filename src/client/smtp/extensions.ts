/**
 * The service extensions a server lists in its EHLO reply (RFC 5321 §4.1.1.1: one keyword and
 * its parameters per line after the first), decoded into what Loft's client uses. Pure.
 */
import type { Reply } from '../../proto/smtp/reply.ts';

/** The extensions of one server, as far as the client cares. */
export interface Extensions {
  /** True when the session was opened with EHLO (false after falling back to HELO: no extension). */
  readonly esmtp: boolean;
  /** RFC 2920. */
  readonly pipelining: boolean;
  /** RFC 1870: the largest message accepted; 0 when SIZE has no limit; `null` when not offered. */
  readonly size: number | null;
  /** RFC 6152. */
  readonly eightBitMime: boolean;
  /** RFC 3030 BINARYMIME. */
  readonly binaryMime: boolean;
  /** RFC 6531. */
  readonly smtputf8: boolean;
  /** RFC 3030 CHUNKING (BDAT). */
  readonly chunking: boolean;
  /** RFC 3461. */
  readonly dsn: boolean;
  /** RFC 3207. */
  readonly starttls: boolean;
  /** RFC 2034. */
  readonly enhancedStatusCodes: boolean;
  /** RFC 8689. */
  readonly requireTls: boolean;
  /** RFC 4954: the SASL mechanisms offered, upper case. */
  readonly auth: readonly string[];
  /** Every keyword, upper case, with its parameters as sent. */
  readonly keywords: ReadonlyMap<string, string>;
}

/** What a server that answered HELO (or nothing yet) offers: nothing. */
export const NO_EXTENSIONS: Extensions = {
  esmtp: false,
  pipelining: false,
  size: null,
  eightBitMime: false,
  binaryMime: false,
  smtputf8: false,
  chunking: false,
  dsn: false,
  starttls: false,
  enhancedStatusCodes: false,
  requireTls: false,
  auth: [],
  keywords: new Map(),
};

/**
 * Decodes a successful EHLO reply. The first line is the greeting; each later line is
 * `ehlo-keyword *(SP ehlo-param)` (RFC 5321 §4.1.1.1). Keywords are case-insensitive; unknown
 * ones are kept in `keywords` only; a malformed SIZE value counts as SIZE without a limit.
 */
export function parseEhlo(reply: Reply): Extensions {
  const keywords = new Map<string, string>();
  for (const text of reply.lines.slice(1)) {
    const m = /^([A-Za-z0-9][A-Za-z0-9-]*)(?:[ =](.*))?$/.exec(text.trim());
    if (m === null) continue;
    const keyword = m[1]!.toUpperCase();
    if (!keywords.has(keyword)) keywords.set(keyword, (m[2] ?? '').trim());
  }
  const sizeParam = keywords.get('SIZE');
  const size = sizeParam === undefined ? null : /^[0-9]{1,20}$/.test(sizeParam) ? Number(sizeParam) : 0;
  const auth = keywords.get('AUTH');
  return {
    esmtp: true,
    pipelining: keywords.has('PIPELINING'),
    size,
    eightBitMime: keywords.has('8BITMIME'),
    binaryMime: keywords.has('BINARYMIME'),
    smtputf8: keywords.has('SMTPUTF8'),
    chunking: keywords.has('CHUNKING'),
    dsn: keywords.has('DSN'),
    starttls: keywords.has('STARTTLS'),
    enhancedStatusCodes: keywords.has('ENHANCEDSTATUSCODES'),
    requireTls: keywords.has('REQUIRETLS'),
    auth: auth === undefined || auth === '' ? [] : auth.toUpperCase().split(/\s+/),
    keywords,
  };
}
