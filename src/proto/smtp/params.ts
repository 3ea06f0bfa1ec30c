/**
 * ESMTP parameters of MAIL FROM and RCPT TO (RFC 5321 §4.1.2 `esmtp-param`), decoded into typed
 * values. Purely syntactic: whether the server offered an extension is the session's business.
 */
import { type Mailbox, parseMailbox } from './address.ts';
import {
  type BodyType,
  badArguments,
  type CommandError,
  type CommandOptions,
  commandError,
  isCommandError,
  type MailParams,
  type NotifyEvent,
  type OriginalRecipient,
  type RcptParams,
} from './command-types.ts';
import { decodeUtf8AddrXtext, decodeXtext } from './xtext.ts';

/** One `esmtp-keyword ["=" esmtp-value]`, keyword upper-cased. */
export interface EsmtpParam {
  readonly keyword: string;
  readonly value: string | undefined;
}

/** RFC 5321 §4.1.2 esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-") */
const ESMTP_KEYWORD = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

/** RFC 5321 §4.1.2 esmtp-value = 1*(%d33-60 / %d62-126); RFC 6531 §3.3 adds UTF8-non-ascii. */
function isEsmtpValue(value: string, utf8: boolean): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x80) {
      if (!utf8) return false;
    } else if (c < 33 || c > 126 || c === 0x3d) return false;
  }
  return true;
}

/** Printable ASCII only: decoded xtext values end up in DSN header fields, so no CR/LF may slip in. */
const PRINTABLE = /^[\x20-\x7e]*$/;
/** Control characters, refused in every decoded value for the same reason. */
const CONTROL = /[\x00-\x1f\x7f]/;

/** Shortens a validated keyword for an error text. */
function name(keyword: string): string {
  return keyword.length > 32 ? `${keyword.slice(0, 32)}...` : keyword;
}

/**
 * RFC 5321 §4.1.2 `Mail-parameters = esmtp-param *(SP esmtp-param)`: splits `text` (the part of the
 * line after the path, without leading spaces) into parameters. Several spaces between
 * parameters are tolerated. A keyword given twice is an error (501 5.5.4).
 */
export function splitEsmtpParams(text: string, opts: CommandOptions): EsmtpParam[] | CommandError {
  const out: EsmtpParam[] = [];
  if (text.length === 0) return out;
  const seen = new Map<string, string | undefined>();
  for (const token of text.split(/ +/)) {
    const eq = token.indexOf('=');
    const keyword = eq < 0 ? token : token.slice(0, eq);
    const value = eq < 0 ? undefined : token.slice(eq + 1);
    if (!ESMTP_KEYWORD.test(keyword)) return badArguments('Invalid parameter syntax');
    if (value !== undefined && !isEsmtpValue(value, opts.smtputf8 === true)) {
      return badArguments(`Invalid value for parameter ${name(keyword.toUpperCase())}`);
    }
    const upper = keyword.toUpperCase();
    if (seen.has(upper)) {
      // An exact repeat (Python's smtplib sends SMTPUTF8 twice) changes nothing; a conflicting one is refused.
      if (seen.get(upper) === value) continue;
      return badArguments(`Duplicate parameter ${name(upper)}`);
    }
    seen.set(upper, value);
    out.push({ keyword: upper, value });
  }
  return out;
}

function unrecognized(keyword: string): CommandError {
  return commandError(555, '5.5.4', `Unrecognized parameter ${name(keyword)}`);
}

function needsValue(p: EsmtpParam): string | CommandError {
  return p.value === undefined ? badArguments(`Parameter ${p.keyword} requires a value`) : p.value;
}

function noValue(p: EsmtpParam): CommandError | null {
  return p.value === undefined ? null : badArguments(`Parameter ${p.keyword} takes no value`);
}

/** RFC 1870 §3 size-value ::= 1*20DIGIT */
function parseSize(value: string): number | null {
  return /^[0-9]{1,20}$/.test(value) ? Number(value) : null;
}

/** RFC 4954 §5: `AUTH=` xtext whose decoded form is `<>` or an addr-spec (taken here as a Mailbox). */
function parseAuthParam(value: string, opts: CommandOptions): Mailbox | null | CommandError {
  const decoded = decodeXtext(value);
  if (decoded === null || CONTROL.test(decoded)) return badArguments('Invalid AUTH parameter');
  if (decoded === '<>') return null;
  const mailbox = parseMailbox(decoded, opts);
  return mailbox.ok ? mailbox.value : badArguments('Invalid AUTH parameter mailbox');
}

/**
 * Decodes the parameters of MAIL FROM: SIZE (RFC 1870), BODY (RFC 6152, RFC 3030 §3), SMTPUTF8
 * (RFC 6531 §3.4), RET and ENVID (RFC 3461 §4.3, §4.4), AUTH (RFC 4954 §5), REQUIRETLS
 * (RFC 8689 §4.2). Any other keyword gives 555 5.5.4; a bad value 501 5.5.4; an unknown BODY 504.
 */
export function parseMailParams(text: string, opts: CommandOptions): MailParams | CommandError {
  const params = splitEsmtpParams(text, opts);
  if (!Array.isArray(params)) return params;
  let size: number | undefined;
  let body: BodyType | undefined;
  let ret: 'FULL' | 'HDRS' | undefined;
  let envid: string | undefined;
  let auth: Mailbox | null | undefined;
  let smtputf8 = false;
  let requireTls = false;
  for (const p of params) {
    switch (p.keyword) {
      case 'SIZE': {
        const v = needsValue(p);
        if (typeof v !== 'string') return v;
        const n = parseSize(v);
        if (n === null) return badArguments('Invalid SIZE value');
        size = n;
        break;
      }
      case 'BODY': {
        const v = needsValue(p);
        if (typeof v !== 'string') return v;
        const upper = v.toUpperCase();
        if (upper !== '7BIT' && upper !== '8BITMIME' && upper !== 'BINARYMIME') {
          return commandError(504, '5.5.4', 'Unsupported BODY value');
        }
        body = upper;
        break;
      }
      case 'SMTPUTF8': {
        const e = noValue(p);
        if (e) return e;
        smtputf8 = true;
        break;
      }
      case 'REQUIRETLS': {
        const e = noValue(p);
        if (e) return e;
        requireTls = true;
        break;
      }
      case 'RET': {
        const v = needsValue(p);
        if (typeof v !== 'string') return v;
        const upper = v.toUpperCase();
        if (upper !== 'FULL' && upper !== 'HDRS') return badArguments('Invalid RET value');
        ret = upper;
        break;
      }
      case 'ENVID': {
        const v = needsValue(p);
        if (typeof v !== 'string') return v;
        const decoded = decodeXtext(v);
        // RFC 3461 §4.4: printable US-ASCII, at most 100 characters.
        if (decoded === null || decoded.length === 0 || decoded.length > 100 || !PRINTABLE.test(decoded)) {
          return badArguments('Invalid ENVID value');
        }
        envid = decoded;
        break;
      }
      case 'AUTH': {
        const v = needsValue(p);
        if (typeof v !== 'string') return v;
        const a = parseAuthParam(v, opts);
        if (isCommandError(a)) return a;
        auth = a;
        break;
      }
      default:
        return unrecognized(p.keyword);
    }
  }
  const out: { -readonly [K in keyof MailParams]: MailParams[K] } = { smtputf8, requireTls };
  if (size !== undefined) out.size = size;
  if (body !== undefined) out.body = body;
  if (ret !== undefined) out.ret = ret;
  if (envid !== undefined) out.envid = envid;
  if (auth !== undefined) out.auth = auth;
  return out;
}

/**
 * RFC 3461 §4.1 `notify-esmtp-value = "NEVER" / 1#notify-list-element`: NEVER must stand alone.
 * Elements are case-insensitive; repeated elements are tolerated and kept once.
 */
function parseNotify(value: string): 'NEVER' | NotifyEvent[] | CommandError {
  const items = value.toUpperCase().split(',');
  if (items.includes('NEVER')) {
    return items.length === 1 ? 'NEVER' : badArguments('NOTIFY=NEVER cannot be combined with other values');
  }
  const out: NotifyEvent[] = [];
  for (const item of items) {
    if (item !== 'SUCCESS' && item !== 'FAILURE' && item !== 'DELAY')
      return badArguments('Invalid NOTIFY value');
    if (!out.includes(item)) out.push(item);
  }
  return out;
}

/**
 * RFC 3461 §4.2 `orcpt-value = addr-type ";" xtext`; for the `utf-8` type the value is
 * `utf-8-addr-xtext`, or `utf-8-addr-unitext` under SMTPUTF8 (RFC 6533 §3). The decoded address
 * is at most 500 characters and has no control characters.
 */
function parseOrcpt(value: string, opts: CommandOptions): OriginalRecipient | CommandError {
  const semi = value.indexOf(';');
  if (semi <= 0) return badArguments('Invalid ORCPT value');
  const addrType = value.slice(0, semi).toLowerCase();
  // addr-type = atom (RFC 3461 §4.2, RFC 822 atom): no specials, space or controls.
  if (!/^[a-z0-9!#$%&'*+\-/=?^_`{|}~]+$/.test(addrType)) return badArguments('Invalid ORCPT address type');
  const raw = value.slice(semi + 1);
  const address = addrType === 'utf-8' ? decodeUtf8AddrXtext(raw, opts.smtputf8 === true) : decodeXtext(raw);
  if (address === null || address.length === 0 || address.length > 500 || CONTROL.test(address)) {
    return badArguments('Invalid ORCPT value');
  }
  return { addrType, address };
}

/** Decodes the parameters of RCPT TO: NOTIFY and ORCPT (RFC 3461 §4.1, §4.2); others give 555 5.5.4. */
export function parseRcptParams(text: string, opts: CommandOptions): RcptParams | CommandError {
  const params = splitEsmtpParams(text, opts);
  if (!Array.isArray(params)) return params;
  let notify: 'NEVER' | NotifyEvent[] | undefined;
  let orcpt: OriginalRecipient | undefined;
  for (const p of params) {
    if (p.keyword === 'NOTIFY') {
      const v = needsValue(p);
      if (typeof v !== 'string') return v;
      const n = parseNotify(v);
      if (isCommandError(n)) return n;
      notify = n;
    } else if (p.keyword === 'ORCPT') {
      const v = needsValue(p);
      if (typeof v !== 'string') return v;
      const o = parseOrcpt(v, opts);
      if (isCommandError(o)) return o;
      orcpt = o;
    } else {
      return unrecognized(p.keyword);
    }
  }
  const out: { -readonly [K in keyof RcptParams]: RcptParams[K] } = {};
  if (notify !== undefined) out.notify = notify;
  if (orcpt !== undefined) out.orcpt = orcpt;
  return out;
}
