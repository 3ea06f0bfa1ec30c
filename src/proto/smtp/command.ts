/**
 * The SMTP command parser (RFC 5321 §4.1): one command line, without its CRLF, to a typed
 * {@link Command} or the error reply to send. Purely syntactic: whether a command is allowed in
 * the current state, or a parameter was advertised, is decided by the session.
 *
 * Tolerances (RFC 5321 §4.1.1 asks for exactly one SP; real clients vary): trailing spaces and
 * tabs are ignored, and several spaces between the verb and its arguments are accepted.
 * Verbs are case-insensitive (§2.4).
 */

import {
  type AuthCommand,
  type BdatCommand,
  badArguments,
  type Command,
  type CommandError,
  type CommandOptions,
  type CommandResult,
  commandError,
  type HeloCommand,
  isCommandError,
  type VerifyCommand,
} from './command-types.ts';
import { parseAddressLiteral, parseDomain } from './domain.ts';
import { parseMail, parseRcpt } from './mail.ts';

export * from './command-types.ts';

type Parser = (args: string | null, opts: CommandOptions) => Command | CommandError;

const utf8Fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes the octets of one command line (without CRLF) for {@link parseCommand}: UTF-8, or
 * `null` when the octets are not valid UTF-8 (the session then replies 500 5.5.2).
 */
export function decodeCommandLine(bytes: Uint8Array): string | null {
  try {
    return utf8Fatal.decode(bytes);
  } catch {
    return null;
  }
}

const NON_ASCII = /[^\x00-\x7f]/;

/** No argument allowed (RSET §4.1.1.5, QUIT §4.1.1.10, DATA §4.1.1.4, STARTTLS RFC 3207 §4). */
function bare(verb: 'DATA' | 'RSET' | 'QUIT' | 'STARTTLS'): Parser {
  return (args) => (args === null ? { verb } : badArguments(`${verb} takes no arguments`));
}

/** Free-text argument checks: 8-bit only under SMTPUTF8. */
function checkText(arg: string, opts: CommandOptions): CommandError | null {
  return !opts.smtputf8 && NON_ASCII.test(arg) ? badArguments('8-bit characters require SMTPUTF8') : null;
}

/** `"EHLO" SP ( Domain / address-literal )`, `"HELO" SP Domain` (RFC 5321 §4.1.1.1). */
function helo(verb: 'EHLO' | 'HELO'): Parser {
  return (args, opts): HeloCommand | CommandError => {
    if (args === null) return badArguments(`Syntax: ${verb} hostname`);
    if (/[ \t]/.test(args)) return badArguments(`Syntax: ${verb} hostname`);
    const e = checkText(args, opts);
    if (e) return e;
    const r = args.startsWith('[') ? parseAddressLiteral(args) : parseDomain(args, opts);
    return { verb, host: args, domain: r.ok ? r.value : null };
  };
}

/** `"NOOP" [ SP String ]` (§4.1.1.9), `"HELP" [ SP String ]` (§4.1.1.8). */
function text(verb: 'NOOP' | 'HELP'): Parser {
  return (args, opts) => {
    if (args === null) return { verb, arg: null };
    return checkText(args, opts) ?? { verb, arg: args };
  };
}

/** `"VRFY" SP String`, `"EXPN" SP String` (§4.1.1.6, §4.1.1.7) `[SP "SMTPUTF8"]` (RFC 6531 §3.7.4.2). */
function verify(verb: 'VRFY' | 'EXPN'): Parser {
  return (args, opts): VerifyCommand | CommandError => {
    if (args === null) return badArguments(`Syntax: ${verb} address`);
    const e = checkText(args, opts);
    if (e) return e;
    const m = /^(.*\S) +SMTPUTF8$/i.exec(args);
    return m ? { verb, arg: m[1]!, smtputf8: true } : { verb, arg: args, smtputf8: false };
  };
}

/** `"BDAT" SP chunk-size [ SP end-marker ]`, `chunk-size = 1*DIGIT`, `end-marker = "LAST"` (RFC 3030 §2). */
function bdat(args: string | null): BdatCommand | CommandError {
  const m = args === null ? null : /^([0-9]+)(?: +(LAST))?$/i.exec(args);
  if (!m) return badArguments('Syntax: BDAT size [LAST]');
  const size = Number(m[1]);
  if (!Number.isSafeInteger(size)) return badArguments('BDAT size too large');
  return { verb: 'BDAT', size, last: m[2] !== undefined };
}

/** RFC 4422 §3.1: a mechanism name is 1 to 20 characters of A-Z, 0-9, "-" and "_". */
const SASL_MECH = /^[A-Za-z0-9_-]{1,20}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** `"AUTH" SP sasl-mech [SP initial-response]`, `initial-response = base64 / "="` (RFC 4954 §4). */
function auth(args: string | null): AuthCommand | CommandError {
  const parts = args === null ? [] : args.split(/ +/);
  const mech = parts[0];
  if (mech === undefined || parts.length > 2 || !SASL_MECH.test(mech))
    return badArguments('Syntax: AUTH mechanism [initial-response]');
  const ir = parts[1];
  if (ir === undefined) return { verb: 'AUTH', mechanism: mech.toUpperCase(), initialResponse: null };
  if (ir === '=') return { verb: 'AUTH', mechanism: mech.toUpperCase(), initialResponse: Buffer.alloc(0) };
  if (!BASE64.test(ir)) return commandError(501, '5.5.2', 'Cannot decode base64 initial response');
  return { verb: 'AUTH', mechanism: mech.toUpperCase(), initialResponse: Buffer.from(ir, 'base64') };
}

/** Verbs that need arguments: the parser receives the text after the verb (spaces skipped). */
function needsArgs(
  parse: (args: string, opts: CommandOptions) => Command | CommandError,
  usage: string,
): Parser {
  return (args, opts) => (args === null ? badArguments(usage) : parse(args, opts));
}

/** The dispatch table: verb (upper case) → argument parser. */
const VERBS: ReadonlyMap<string, Parser> = new Map<string, Parser>([
  ['EHLO', helo('EHLO')],
  ['HELO', helo('HELO')],
  ['MAIL', needsArgs(parseMail, 'Syntax: MAIL FROM:<address>')],
  ['RCPT', needsArgs(parseRcpt, 'Syntax: RCPT TO:<address>')],
  ['DATA', bare('DATA')],
  ['BDAT', bdat],
  ['RSET', bare('RSET')],
  ['NOOP', text('NOOP')],
  ['QUIT', bare('QUIT')],
  ['VRFY', verify('VRFY')],
  ['EXPN', verify('EXPN')],
  ['HELP', text('HELP')],
  ['STARTTLS', bare('STARTTLS')],
  ['AUTH', auth],
]);

/** Recognised but never implemented: obsolete (RFC 5321 Appendix F) or not offered by Loft. */
const NOT_IMPLEMENTED: ReadonlySet<string> = new Set(['SEND', 'SOML', 'SAML', 'TURN', 'ETRN', 'ATRN']);

/**
 * Parses one SMTP command line (without CRLF; see {@link decodeCommandLine}). Never throws.
 * Returns `{ ok: true, command }` or the error reply (500/501/502/504/555, see
 * `command-types.ts` for the mapping). Control characters (NUL, CR, LF…; tabs excepted) anywhere
 * in the line give 500 5.5.2.
 */
export function parseCommand(line: string, opts: CommandOptions = {}): CommandResult {
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(line))
    return commandError(500, '5.5.2', 'Invalid character in command');
  const trimmed = line.replace(/[ \t]+$/, '');
  const sp = trimmed.indexOf(' ');
  const word = sp < 0 ? trimmed : trimmed.slice(0, sp);
  const args = sp < 0 ? null : trimmed.slice(sp).replace(/^ +/, '');
  const verb = /^[A-Za-z]{1,16}$/.test(word) ? word.toUpperCase() : '';
  const parse = VERBS.get(verb);
  if (parse === undefined) {
    if (NOT_IMPLEMENTED.has(verb)) return commandError(502, '5.5.1', 'Command not implemented');
    return commandError(500, '5.5.2', 'Command not recognized');
  }
  const r = parse(args, opts);
  return isCommandError(r) ? r : { ok: true, command: r };
}
