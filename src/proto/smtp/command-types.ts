/**
 * The typed SMTP commands that {@link parseCommand} returns, and the error replies it returns
 * instead when a line is not a valid command.
 *
 * Reply codes for errors (RFC 5321 §4.2.4 for the basic code, RFC 3463 §3 for the enhanced one):
 * - 500 5.5.2: the verb is not recognised, or the line has characters no command may contain
 *   (§4.2.4 "Syntax error, command unrecognized"; X.5.2 "Syntax error").
 * - 502 5.5.1: a verb we recognise but never implement (SEND, SOML, SAML, TURN, ETRN, ATRN;
 *   §4.2.4 "Command not implemented"; X.5.1 "Invalid command").
 * - 501 5.5.4: the verb is known but its arguments are malformed, missing, or present where none
 *   are allowed; duplicated parameters; bad parameter values (§4.2.4 "Syntax error in parameters
 *   or arguments"; X.5.4 "Invalid command arguments").
 * - 501 5.1.7 / 501 5.1.3: the MAIL reverse path / RCPT forward path is not a valid address
 *   (X.1.7 "Bad sender's mailbox address syntax", X.1.3 "Bad destination mailbox address syntax");
 *   this includes paths over the §4.5.3.1 limits ("501 Path too long", §4.5.3.1.10).
 * - 501 5.5.2: an AUTH initial response that is not base64 (RFC 4954 §4).
 * - 504 5.5.4: a BODY value this parser does not know (§4.2.4 "Command parameter not implemented").
 * - 555 5.5.4: a MAIL or RCPT parameter keyword that is not recognised (§4.1.1.11, §4.2.4).
 */
import type { ForwardPath, Mailbox } from './address.ts';

/** RFC 5321 §4.5.3.1.4: a command line, with its CRLF, is at most 512 octets (extensions add to it). */
export const MAX_COMMAND_LINE_OCTETS = 512;

/**
 * Octets a MAIL or RCPT line may have beyond the command line limit, for the parameters of the
 * extensions Loft offers (RFC 5321 §4.5.3.1.4: "extensions may raise it"). MAIL: SIZE 26
 * (RFC 1870 §3), BODY 16 (RFC 6152 §2), RET and ENVID 100 (RFC 3461 §4), AUTH 500 (RFC 4954 §5),
 * SMTPUTF8 10 (RFC 6531 §3.4) and REQUIRETLS 11 (RFC 8689, the keyword and its space). RCPT:
 * NOTIFY and ORCPT 500 (RFC 3461 §4).
 */
const EXTENSION_OCTETS: Readonly<Record<string, number>> = { MAIL: 26 + 16 + 100 + 500 + 10 + 11, RCPT: 500 };

/** The most any command line may exceed the base limit by ({@link commandLineLimit}). */
export const MAX_EXTENSION_OCTETS = Math.max(...Object.values(EXTENSION_OCTETS));

/** The longest line, CRLF included, allowed for the command `line` starts, given the base limit. */
export function commandLineLimit(base: number, line: Uint8Array): number {
  if (line.length < 4) return base;
  // The verb's four letters, upper-cased (ASCII).
  const verb = String.fromCharCode(line[0]! & 0xdf, line[1]! & 0xdf, line[2]! & 0xdf, line[3]! & 0xdf);
  return base + (EXTENSION_OCTETS[verb] ?? 0);
}

/** Options for {@link parseCommand}. */
export interface CommandOptions {
  /**
   * RFC 6531: the server advertised SMTPUTF8, so UTF-8 is allowed in addresses, EHLO names and
   * parameter values. Without it, any non-ASCII character in an argument is a syntax error.
   */
  readonly smtputf8?: boolean | undefined;
}

/** The reply to send for a line that is not a valid command. */
export interface CommandError {
  readonly ok: false;
  readonly code: 500 | 501 | 502 | 504 | 555;
  readonly enhanced: string;
  readonly text: string;
}

/** RFC 6152 / RFC 3030 §3 BODY values. */
export type BodyType = '7BIT' | '8BITMIME' | 'BINARYMIME';

/** RFC 3461 §4.1 NOTIFY list elements. */
export type NotifyEvent = 'SUCCESS' | 'FAILURE' | 'DELAY';

/** ESMTP parameters of MAIL FROM, decoded. Absent optional fields mean the parameter was absent. */
export interface MailParams {
  /** RFC 1870 SIZE: the declared message size in octets. */
  readonly size?: number;
  /** RFC 6152 / RFC 3030 BODY. */
  readonly body?: BodyType;
  /** RFC 6531 §3.4 SMTPUTF8 keyword present. */
  readonly smtputf8: boolean;
  /** RFC 3461 §4.3 RET. */
  readonly ret?: 'FULL' | 'HDRS';
  /** RFC 3461 §4.4 ENVID, xtext-decoded (printable ASCII, at most 100 characters). */
  readonly envid?: string;
  /** RFC 4954 §5 AUTH=: the decoded mailbox, or `null` for `AUTH=<>`. */
  readonly auth?: Mailbox | null;
  /** RFC 8689 §4.2 REQUIRETLS keyword present. */
  readonly requireTls: boolean;
}

/** RFC 3461 §4.2 ORCPT, decoded. `addrType` is lower-cased (`rfc822`, `utf-8`…). */
export interface OriginalRecipient {
  readonly addrType: string;
  readonly address: string;
}

/** ESMTP parameters of RCPT TO, decoded. */
export interface RcptParams {
  /** RFC 3461 §4.1 NOTIFY: `'NEVER'` or a non-empty list without duplicates. */
  readonly notify?: 'NEVER' | readonly NotifyEvent[];
  /** RFC 3461 §4.2 ORCPT. */
  readonly orcpt?: OriginalRecipient;
}

/** EHLO / HELO (RFC 5321 §4.1.1.1). */
export interface HeloCommand {
  readonly verb: 'EHLO' | 'HELO';
  /** The argument exactly as sent (one token; never empty). */
  readonly host: string;
  /** The argument as a normalised Domain or address literal, or `null` when it is neither. */
  readonly domain: string | null;
}

/** MAIL FROM (RFC 5321 §4.1.1.2). */
export interface MailCommand {
  readonly verb: 'MAIL';
  /** The reverse path; `null` for the null path `<>`. */
  readonly from: Mailbox | null;
  readonly params: MailParams;
  /** The path used non-ASCII characters (RFC 6531 §3.4: requires the SMTPUTF8 parameter). */
  readonly utf8: boolean;
}

/** RCPT TO (RFC 5321 §4.1.1.3). */
export interface RcptCommand {
  readonly verb: 'RCPT';
  readonly to: ForwardPath;
  readonly params: RcptParams;
  /** The path used non-ASCII characters (RFC 6531: the transaction must have declared SMTPUTF8). */
  readonly utf8: boolean;
}

/** BDAT (RFC 3030 §2): `size` octets of content follow the command line. */
export interface BdatCommand {
  readonly verb: 'BDAT';
  readonly size: number;
  readonly last: boolean;
}

/** AUTH (RFC 4954 §4). */
export interface AuthCommand {
  readonly verb: 'AUTH';
  /** The SASL mechanism name, upper-cased (RFC 4422 §3.1). */
  readonly mechanism: string;
  /** The decoded initial response; an empty buffer for `=`; `null` when none was given. */
  readonly initialResponse: Buffer | null;
}

/** VRFY / EXPN (RFC 5321 §4.1.1.6, §4.1.1.7) with the RFC 6531 §3.7.4.2 SMTPUTF8 parameter. */
export interface VerifyCommand {
  readonly verb: 'VRFY' | 'EXPN';
  /** The argument as sent (not unquoted), without a trailing SMTPUTF8 parameter. */
  readonly arg: string;
  readonly smtputf8: boolean;
}

/** NOOP / HELP with their optional, ignorable argument (RFC 5321 §4.1.1.8, §4.1.1.9). */
export interface TextCommand {
  readonly verb: 'NOOP' | 'HELP';
  readonly arg: string | null;
}

/** Commands without arguments. */
export interface BareCommand {
  readonly verb: 'DATA' | 'RSET' | 'QUIT' | 'STARTTLS';
}

/** Every command the parser recognises, discriminated by `verb`. */
export type Command =
  | HeloCommand
  | MailCommand
  | RcptCommand
  | BdatCommand
  | AuthCommand
  | VerifyCommand
  | TextCommand
  | BareCommand;

/** The outcome of {@link parseCommand}. */
export type CommandResult = { readonly ok: true; readonly command: Command } | CommandError;

/** Builds an error reply. */
export function commandError(code: CommandError['code'], enhanced: string, text: string): CommandError {
  return { ok: false, code, enhanced, text };
}

/** 501 5.5.4: the arguments of a known verb are malformed. */
export function badArguments(text: string): CommandError {
  return commandError(501, '5.5.4', text);
}

/** True when `value` is a {@link CommandError} rather than a decoded value. */
export function isCommandError(value: unknown): value is CommandError {
  return typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false;
}
