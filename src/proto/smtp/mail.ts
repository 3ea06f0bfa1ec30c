/**
 * MAIL FROM and RCPT TO (RFC 5321 §4.1.1.2, §4.1.1.3): the path, then the ESMTP parameters.
 *
 * Tolerances, chosen for interoperability and documented here: spaces after the colon
 * (`MAIL FROM: <a@b>`, which §4.1.2 forbids but many clients send) and several spaces between
 * parameters are accepted. Angle brackets are required.
 */
import { type GrammarOptions, scanForwardPath, scanReversePath } from './address.ts';
import {
  badArguments,
  type CommandError,
  type CommandOptions,
  commandError,
  isCommandError,
  type MailCommand,
  type RcptCommand,
} from './command-types.ts';
import { parseMailParams, parseRcptParams } from './params.ts';

const NON_ASCII = /[^\x00-\x7f]/;

/** Skips the `FROM:` / `TO:` keyword (case-insensitive) and following spaces; -1 when absent. */
function afterKeyword(args: string, keyword: string): number {
  if (args.slice(0, keyword.length).toUpperCase() !== keyword) return -1;
  let p = keyword.length;
  while (args[p] === ' ') p++;
  return p;
}

/** After the path: end of line, or spaces then parameters. Returns the parameter text or null. */
function paramText(args: string, end: number): string | null {
  if (end === args.length) return '';
  if (args[end] !== ' ') return null;
  return args.slice(end).replace(/^ +/, '');
}

function grammar(opts: CommandOptions): GrammarOptions {
  return { smtputf8: opts.smtputf8 === true };
}

/**
 * `"MAIL FROM:" Reverse-path [SP Mail-parameters]` (RFC 5321 §4.1.1.2); `args` is the text after
 * `MAIL `. Path errors give 501 5.1.7; parameter errors as in {@link parseMailParams}.
 */
export function parseMail(args: string, opts: CommandOptions): MailCommand | CommandError {
  const start = afterKeyword(args, 'FROM:');
  if (start < 0) return badArguments('Syntax: MAIL FROM:<address>');
  const path = scanReversePath(args, start, grammar(opts));
  if (!path.ok) return commandError(501, '5.1.7', `Bad sender address syntax: ${path.reason}`);
  const rest = paramText(args, path.end);
  if (rest === null) return commandError(501, '5.1.7', 'Bad sender address syntax');
  const params = parseMailParams(rest, opts);
  if (isCommandError(params)) return params;
  return { verb: 'MAIL', from: path.value, params, utf8: NON_ASCII.test(args.slice(start, path.end)) };
}

/**
 * `"RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" / Forward-path ) [SP Rcpt-parameters]`
 * (RFC 5321 §4.1.1.3); `args` is the text after `RCPT `. Path errors give 501 5.1.3.
 */
export function parseRcpt(args: string, opts: CommandOptions): RcptCommand | CommandError {
  const start = afterKeyword(args, 'TO:');
  if (start < 0) return badArguments('Syntax: RCPT TO:<address>');
  const path = scanForwardPath(args, start, grammar(opts));
  if (!path.ok) return commandError(501, '5.1.3', `Bad recipient address syntax: ${path.reason}`);
  const rest = paramText(args, path.end);
  if (rest === null) return commandError(501, '5.1.3', 'Bad recipient address syntax');
  const params = parseRcptParams(rest, opts);
  if (isCommandError(params)) return params;
  return { verb: 'RCPT', to: path.value, params, utf8: NON_ASCII.test(args.slice(start, path.end)) };
}
