/**
 * The POP3 command parser (RFC 1939 §3, RFC 2449 §3): one command line, without its CRLF, to a
 * typed {@link Pop3Command} or the text of the `-ERR` response to send. Purely syntactic:
 * whether a command is allowed in the session's state, or a message number exists, is decided by
 * the session.
 *
 * Tolerances: keywords are case-insensitive (RFC 1939 §3); runs of spaces between arguments and
 * trailing spaces are accepted, except in PASS, whose argument is the rest of the line exactly
 * (RFC 1939 §7: a password may contain spaces).
 */
import { decodeBase64Strict, decodeUtf8Strict } from '../sasl/encoding.ts';

/** Commands that take no argument (RFC 1939 §4–§6, RFC 2449 §5, RFC 2595 §4, RFC 6856 §2). */
export type BareVerb = 'STAT' | 'NOOP' | 'RSET' | 'QUIT' | 'STLS' | 'CAPA' | 'UTF8';

export type Pop3Command =
  | { readonly verb: BareVerb }
  /** RFC 1939 §7 `USER name`. */
  | { readonly verb: 'USER'; readonly name: string }
  /** RFC 1939 §7 `PASS string`: the rest of the line, spaces included. */
  | { readonly verb: 'PASS'; readonly password: string }
  /** RFC 1939 §7 `APOP name digest`: recognised so that it can be refused clearly. */
  | { readonly verb: 'APOP' }
  /**
   * RFC 5034 §4 `AUTH mechanism [initial-response]`; `mechanism` null for a bare `AUTH` (which
   * lists the mechanisms). `initialResponse` is decoded; `=` gives an empty buffer.
   */
  | { readonly verb: 'AUTH'; readonly mechanism: string | null; readonly initialResponse: Buffer | undefined }
  /** RFC 1939 §5 `LIST [msg]`. */
  | { readonly verb: 'LIST'; readonly msg: number | null }
  /** RFC 1939 §7 `UIDL [msg]`. */
  | { readonly verb: 'UIDL'; readonly msg: number | null }
  /** RFC 1939 §5 `RETR msg`. */
  | { readonly verb: 'RETR'; readonly msg: number }
  /** RFC 1939 §5 `DELE msg`. */
  | { readonly verb: 'DELE'; readonly msg: number }
  /** RFC 1939 §7 `TOP msg n`. */
  | { readonly verb: 'TOP'; readonly msg: number; readonly lines: number };

export type Pop3Verb = Pop3Command['verb'];

/** A parsed command, or the text of the `-ERR` response refusing the line. */
export type ParseResult =
  | { readonly ok: true; readonly command: Pop3Command }
  | { readonly ok: false; readonly error: string };

/** Every keyword Loft knows, upper case. */
export const POP3_VERBS: readonly Pop3Verb[] = [
  'USER',
  'PASS',
  'APOP',
  'AUTH',
  'STLS',
  'CAPA',
  'UTF8',
  'QUIT',
  'STAT',
  'LIST',
  'RETR',
  'DELE',
  'NOOP',
  'RSET',
  'TOP',
  'UIDL',
];

const BARE: ReadonlySet<string> = new Set<BareVerb>(['STAT', 'NOOP', 'RSET', 'QUIT', 'STLS', 'CAPA', 'UTF8']);

/**
 * Decodes the octets of one command line (without CRLF): UTF-8 (RFC 6856 §2 allows it in
 * arguments), or `undefined` when the octets are not well-formed UTF-8.
 */
export function decodeCommandLine(bytes: Uint8Array): string | undefined {
  return decodeUtf8Strict(bytes);
}

// RFC 2449 §3: keywords and arguments are printable; no control characters anywhere in a line.
const CONTROL = /[\x00-\x1f\x7f]/;
// RFC 1939 §3, RFC 2449 §9 `keyword = 3*4VCHAR`; Loft's keywords are letters and digits.
const KEYWORD = /^[A-Za-z0-9]{3,4}$/;
// RFC 1939 §3 message numbers and line counts: decimal digits.
const NUMBER = /^[0-9]+$/;
// RFC 4422 §3.1 `sasl-mech = 1*20mech-char`, `mech-char = UPPER-ALPHA / DIGIT / HYPHEN / UNDERSCORE`
// (matched case-insensitively, as POP3 keywords are).
const SASL_MECH = /^[A-Za-z0-9_-]{1,20}$/;

const fail = (error: string): ParseResult => ({ ok: false, error });
const ok = (command: Pop3Command): ParseResult => ({ ok: true, command });

/**
 * Parses one command line (RFC 1939 §3: a keyword, then arguments separated by spaces).
 *
 * @returns the typed command, or the text of the `-ERR` response; never throws.
 */
export function parseCommand(line: string): ParseResult {
  if (CONTROL.test(line)) return fail('Control characters are not allowed in commands');
  const space = line.indexOf(' ');
  const word = space === -1 ? line : line.slice(0, space);
  if (!KEYWORD.test(word)) return fail('Unknown command');
  const verb = word.toUpperCase();
  if (!(POP3_VERBS as readonly string[]).includes(verb)) return fail('Unknown command');
  const rest = space === -1 ? '' : line.slice(space + 1);
  if (verb === 'PASS') return pass(rest);
  const args = params(rest);
  if (BARE.has(verb)) {
    return args.length === 0 ? ok({ verb: verb as BareVerb }) : fail(`${verb} takes no arguments`);
  }
  switch (verb) {
    case 'USER':
      return args.length === 1 ? ok({ verb, name: args[0]! }) : fail('Syntax: USER name');
    case 'APOP':
      return ok({ verb });
    case 'AUTH':
      return auth(args);
    case 'LIST':
    case 'UIDL':
      if (args.length === 0) return ok({ verb, msg: null });
      if (args.length > 1) return fail(`Syntax: ${verb} [msg]`);
      return messageNumber(args[0]!, (msg) => ok({ verb, msg }));
    case 'RETR':
    case 'DELE':
      if (args.length !== 1) return fail(`Syntax: ${verb} msg`);
      return messageNumber(args[0]!, (msg) => ok({ verb, msg }));
    case 'TOP':
      if (args.length !== 2) return fail('Syntax: TOP msg n');
      return messageNumber(args[0]!, (msg) =>
        NUMBER.test(args[1]!)
          ? ok({ verb, msg, lines: Number(args[1]) })
          : fail('Invalid line count: expected a non-negative number'),
      );
    default:
      return fail('Unknown command');
  }
}

/** RFC 2449 §9 `*(SP param)`: the arguments, with runs of spaces and trailing spaces tolerated. */
function params(rest: string): string[] {
  return rest.split(' ').filter((p) => p.length > 0);
}

/** RFC 1939 §7 `PASS string`: everything after the one space (RFC 1939 §7 allows spaces in it). */
function pass(rest: string): ParseResult {
  return rest.length === 0 ? fail('Syntax: PASS password') : ok({ verb: 'PASS', password: rest });
}

/** RFC 1939 §5 `msg`: a message number (range checks are the session's). */
function messageNumber(arg: string, then: (msg: number) => ParseResult): ParseResult {
  return NUMBER.test(arg) ? then(Number(arg)) : fail('Invalid message number');
}

/** RFC 5034 §4 `"AUTH" SP sasl-mech [SP initial-response]`, `initial-response = base64 / "="`. */
function auth(args: string[]): ParseResult {
  if (args.length === 0) return ok({ verb: 'AUTH', mechanism: null, initialResponse: undefined });
  if (args.length > 2 || !SASL_MECH.test(args[0]!)) return fail('Syntax: AUTH mechanism [initial-response]');
  const mechanism = args[0]!.toUpperCase();
  const initial = args[1];
  if (initial === undefined) return ok({ verb: 'AUTH', mechanism, initialResponse: undefined });
  if (initial === '=') return ok({ verb: 'AUTH', mechanism, initialResponse: Buffer.alloc(0) });
  const decoded = decodeBase64Strict(initial);
  // RFC 5034 §4: a server that cannot decode the base64 rejects the AUTH command.
  return decoded
    ? ok({ verb: 'AUTH', mechanism, initialResponse: decoded })
    : fail('Invalid base64 in initial response');
}

/** The command type for one keyword. */
export type CommandOf<V extends Pop3Verb> = Extract<Pop3Command, { verb: V }>;
