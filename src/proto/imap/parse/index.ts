/**
 * The IMAP command parser (RFC 9051 §2.2.1, §6, §9 `command`): one command unit from the framer
 * (`../framer.ts`) to a typed {@link Command}, or the BAD response to send. Purely syntactic:
 * whether a command is allowed in the session's state, or an extension was enabled, is the
 * session's decision. One file per command family, named after the command.
 */

import type { CommandUnit } from '../framer.ts';
import type { AppendCommand } from './append.ts';
import { parseAppend } from './append.ts';
import type { AuthenticateCommand } from './authenticate.ts';
import { parseAuthenticate } from './authenticate.ts';
import type { CopyMoveCommand } from './copy-move.ts';
import { parseCopyMove } from './copy-move.ts';
import type { CreateCommand } from './create.ts';
import { parseCreate } from './create.ts';
import { Cursor, ParseError } from './cursor.ts';
import type { DeleteCommand } from './delete.ts';
import { parseDelete } from './delete.ts';
import type { EnableCommand } from './enable.ts';
import { parseEnable } from './enable.ts';
import type { ExpungeCommand } from './expunge.ts';
import { parseExpunge } from './expunge.ts';
import type { FetchCommand } from './fetch.ts';
import { parseFetch } from './fetch.ts';
import type { IdCommand } from './id.ts';
import { parseId } from './id.ts';
import type { ListCommand, LsubCommand } from './list.ts';
import { parseList, parseLsub } from './list.ts';
import type { LoginCommand } from './login.ts';
import { parseLogin } from './login.ts';
import type { RenameCommand } from './rename.ts';
import { parseRename } from './rename.ts';
import type { SearchCommand } from './search.ts';
import { parseSearch } from './search.ts';
import type { SelectCommand } from './select.ts';
import { parseSelect } from './select.ts';
import type { SimpleCommand } from './simple.ts';
import { parseSimple } from './simple.ts';
import type { SortCommand } from './sort.ts';
import { parseSort } from './sort.ts';
import type { StatusCommand } from './status.ts';
import { parseStatus } from './status.ts';
import type { StoreCommand } from './store.ts';
import { parseStore } from './store.ts';
import type { SubscribeCommand } from './subscribe.ts';
import { parseSubscribe } from './subscribe.ts';
import { parseUid } from './uid.ts';

export type { AppendCommand, AppendMessage } from './append.ts';
export type { AuthenticateCommand, SaslResponse } from './authenticate.ts';
export { parseSaslResponse } from './authenticate.ts';
export type { CopyMoveCommand } from './copy-move.ts';
export type { CreateCommand } from './create.ts';
export type { ImapDate, ImapDateTime } from './date.ts';
export type { DeleteCommand } from './delete.ts';
export type { EnableCommand } from './enable.ts';
export type { ExpungeCommand } from './expunge.ts';
export type { FetchCommand, FetchItem, SimpleFetchItem } from './fetch.ts';
export { SYSTEM_FLAGS } from './flags.ts';
export type { IdCommand, IdParam } from './id.ts';
export type { ListCommand, ListReturn, ListSelection, LsubCommand } from './list.ts';
export type { LoginCommand } from './login.ts';
export type { MailboxName } from './mailbox.ts';
export { normalizeInbox } from './mailbox.ts';
export type { RenameCommand } from './rename.ts';
export type { SearchCommand, SearchReturn } from './search.ts';
export type { SearchFlag, SearchKey } from './search-key.ts';
export type { FetchPartial, SectionKind, SectionSpec } from './section.ts';
export type { QresyncParams, SelectCommand } from './select.ts';
export type { SeqNumber, SeqRange, SequenceSet } from './sequence.ts';
export type { SimpleCommand, SimpleName } from './simple.ts';
export { isIdleDone } from './simple.ts';
export type { SortCommand, SortCriterion, SortKeyName } from './sort.ts';
export type { StatusCommand, StatusItem } from './status.ts';
export type { StoreCommand } from './store.ts';
export type { SubscribeCommand } from './subscribe.ts';

/** Every command the parser knows; `name` tells them apart (UID forms have `uid: true`). */
export type Command =
  | SimpleCommand
  | AuthenticateCommand
  | LoginCommand
  | EnableCommand
  | IdCommand
  | SelectCommand
  | CreateCommand
  | DeleteCommand
  | RenameCommand
  | SubscribeCommand
  | ListCommand
  | LsubCommand
  | StatusCommand
  | AppendCommand
  | ExpungeCommand
  | SearchCommand
  | SortCommand
  | FetchCommand
  | StoreCommand
  | CopyMoveCommand;

/** The command names, upper case. */
export type CommandName = Command['name'];

/** Limits of the parser. */
export interface ParseOptions {
  /** Deepest nesting of parentheses, NOT and OR (default 100). */
  readonly maxDepth?: number;
  /** Most ranges in one sequence set (default 10000). */
  readonly maxSequenceRanges?: number;
}

/** The parser's limits when not given. */
export const PARSE_DEFAULTS: Required<ParseOptions> = { maxDepth: 100, maxSequenceRanges: 10_000 };

/**
 * The result of {@link parseCommand}: the command, or a BAD to send (`tag` undefined when the
 * line had no valid tag: the session answers `* BAD`).
 */
export type ParseResult =
  | { readonly ok: true; readonly tag: string; readonly command: Command }
  | { readonly ok: false; readonly tag: string | undefined; readonly kind: 'BAD'; readonly text: string };

type Parser = (c: Cursor) => Command;

const COMMANDS: ReadonlyMap<string, Parser> = new Map<string, Parser>([
  ['CAPABILITY', parseSimple('CAPABILITY')],
  ['NOOP', parseSimple('NOOP')],
  ['LOGOUT', parseSimple('LOGOUT')],
  ['STARTTLS', parseSimple('STARTTLS')],
  ['NAMESPACE', parseSimple('NAMESPACE')],
  ['IDLE', parseSimple('IDLE')],
  ['CHECK', parseSimple('CHECK')],
  ['CLOSE', parseSimple('CLOSE')],
  ['UNSELECT', parseSimple('UNSELECT')],
  ['AUTHENTICATE', parseAuthenticate],
  ['LOGIN', parseLogin],
  ['ENABLE', parseEnable],
  ['ID', parseId],
  ['SELECT', parseSelect('SELECT')],
  ['EXAMINE', parseSelect('EXAMINE')],
  ['CREATE', parseCreate],
  ['DELETE', parseDelete],
  ['RENAME', parseRename],
  ['SUBSCRIBE', parseSubscribe('SUBSCRIBE')],
  ['UNSUBSCRIBE', parseSubscribe('UNSUBSCRIBE')],
  ['LIST', parseList],
  ['LSUB', parseLsub],
  ['STATUS', parseStatus],
  ['APPEND', parseAppend],
  ['EXPUNGE', parseExpunge(false)],
  ['SEARCH', parseSearch(false)],
  ['SORT', parseSort(false)],
  ['FETCH', parseFetch(false)],
  ['STORE', parseStore(false)],
  ['COPY', parseCopyMove('COPY', false)],
  ['MOVE', parseCopyMove('MOVE', false)],
  ['UID', parseUid],
]);

/** The names {@link parseCommand} knows (UID forms under `UID`). */
export const COMMAND_NAMES: readonly string[] = [...COMMANDS.keys()];

// RFC 9051 §9: tag = 1*<any ASTRING-CHAR except "+">
const TAG = /[^\x00-\x20\x7f-\xff(){%*"\\+]+/y;
const COMMAND_NAME = /[A-Za-z0-9-]+/y;

/**
 * Parses one command (RFC 9051 §9 `command = tag SP (command-any / command-auth /
 * command-nonauth / command-select) CRLF`). Never throws for any input: syntax errors, unknown
 * commands and limits give `{ ok: false, kind: 'BAD' }` with the tag when one could be read.
 */
export function parseCommand(unit: CommandUnit, options: ParseOptions = {}): ParseResult {
  const c = new Cursor(unit, { ...PARSE_DEFAULTS, ...options });
  const tag = c.tryMatch(TAG);
  if (tag === undefined || (c.peek() !== ' ' && !c.atEnd())) {
    return { ok: false, tag: undefined, kind: 'BAD', text: 'Missing or invalid tag' };
  }
  try {
    c.SP();
    const name = c.match(COMMAND_NAME, 'a command name').toUpperCase();
    const parse = COMMANDS.get(name);
    if (parse === undefined) return { ok: false, tag, kind: 'BAD', text: 'Unknown command' };
    return { ok: true, tag, command: parse(c) };
  } catch (err) {
    if (err instanceof ParseError) return { ok: false, tag, kind: 'BAD', text: err.message };
    throw err;
  }
}
