/**
 * The IMAP command table: each command's handler, the states it is valid in (RFC 9051 §3), and
 * whether it holds back EXPUNGE responses (RFC 9051 §7.5.1). State is checked here, once.
 */
import type { Command, CommandName } from '../../proto/imap/parse/index.ts';
import { advertisedMechanisms } from '../../proto/sasl/index.ts';
import { append } from './commands/append.ts';
import { authenticate } from './commands/authenticate.ts';
import { capability } from './commands/capability.ts';
import { close, unselect } from './commands/close.ts';
import { copyMove } from './commands/copy-move.ts';
import { create } from './commands/create.ts';
import { deleteMailbox } from './commands/delete.ts';
import { enable } from './commands/enable.ts';
import { expunge } from './commands/expunge.ts';
import { fetch } from './commands/fetch.ts';
import { id } from './commands/id.ts';
import { idle } from './commands/idle.ts';
import { list, lsub } from './commands/list.ts';
import { login } from './commands/login.ts';
import { logout } from './commands/logout.ts';
import { namespace } from './commands/namespace.ts';
import { check, noop } from './commands/noop.ts';
import { rename } from './commands/rename.ts';
import { search } from './commands/search.ts';
import { select } from './commands/select.ts';
import { sort } from './commands/sort.ts';
import { starttls } from './commands/starttls.ts';
import { status } from './commands/status.ts';
import { store } from './commands/store.ts';
import { subscribe } from './commands/subscribe.ts';
import type { Completion, ImapSession, ImapState } from './session.ts';

type Handler = (session: ImapSession, tag: string, command: never) => Promise<Completion> | Completion;

export interface CommandSpec {
  handler: Handler;
  states: readonly ImapState[];
  /** FETCH, STORE, SEARCH, SORT: no EXPUNGE response while answering them (their UID forms may). */
  holdsExpunges?: boolean;
}

const ANY: readonly ImapState[] = ['not-authenticated', 'authenticated', 'selected'];
const NOT_AUTH: readonly ImapState[] = ['not-authenticated'];
const AUTH: readonly ImapState[] = ['authenticated', 'selected'];
const SELECTED: readonly ImapState[] = ['selected'];

/** Handlers by command name; a command without one is answered BAD (not supported). */
export const COMMANDS: Partial<Record<CommandName, CommandSpec>> = {
  CAPABILITY: { handler: capability, states: ANY },
  NOOP: { handler: noop, states: ANY },
  LOGOUT: { handler: logout, states: ANY },
  ID: { handler: id, states: ANY },
  STARTTLS: { handler: starttls, states: NOT_AUTH },
  LOGIN: { handler: login, states: NOT_AUTH },
  AUTHENTICATE: { handler: authenticate, states: NOT_AUTH },
  ENABLE: { handler: enable, states: AUTH },
  SELECT: { handler: select, states: AUTH },
  EXAMINE: { handler: select, states: AUTH },
  NAMESPACE: { handler: namespace, states: AUTH },
  LIST: { handler: list, states: AUTH },
  LSUB: { handler: lsub, states: AUTH },
  STATUS: { handler: status, states: AUTH },
  IDLE: { handler: idle, states: AUTH },
  CHECK: { handler: check, states: SELECTED },
  CLOSE: { handler: close, states: SELECTED },
  UNSELECT: { handler: unselect, states: SELECTED },
  EXPUNGE: { handler: expunge, states: SELECTED },
  FETCH: { handler: fetch, states: SELECTED, holdsExpunges: true },
  STORE: { handler: store, states: SELECTED, holdsExpunges: true },
  SEARCH: { handler: search, states: SELECTED, holdsExpunges: true },
  SORT: { handler: sort, states: SELECTED, holdsExpunges: true },
  CREATE: { handler: create, states: AUTH },
  DELETE: { handler: deleteMailbox, states: AUTH },
  RENAME: { handler: rename, states: AUTH },
  SUBSCRIBE: { handler: subscribe, states: AUTH },
  UNSUBSCRIBE: { handler: subscribe, states: AUTH },
  APPEND: { handler: append, states: AUTH },
  COPY: { handler: copyMove, states: SELECTED },
  MOVE: { handler: copyMove, states: SELECTED },
};

/** Why `spec` may not run in the session's state, or undefined. */
export function stateRefusal(session: ImapSession, spec: CommandSpec): string | undefined {
  if (spec.states.includes(session.state)) return undefined;
  if (session.state === 'not-authenticated') return 'Log in first';
  if (spec.states.includes('selected')) return 'Select a mailbox first';
  return 'Already logged in';
}

/** The CAPABILITY list for the session's current state (RFC 9051 §7.2.2). */
export function capabilities(session: ImapSession): string[] {
  const caps = [
    'IMAP4rev1',
    'IMAP4rev2',
    'UTF8=ACCEPT',
    'LITERAL+',
    'SASL-IR',
    'ENABLE',
    'ID',
    'IDLE',
    'NAMESPACE',
    'UNSELECT',
    'UIDPLUS',
    'MOVE',
    'MULTIAPPEND',
    'CREATE-SPECIAL-USE',
    'LIST-EXTENDED',
    'LIST-STATUS',
    'CHILDREN',
  ];
  caps.push('ESEARCH', 'SEARCHRES', 'SORT', 'SORT=DISPLAY', 'ESORT', 'CONDSTORE', 'QRESYNC');
  caps.push('SPECIAL-USE', 'STATUS=SIZE', 'BINARY', 'PREVIEW', `APPENDLIMIT=${session.settings.appendLimit}`);
  if (session.state === 'not-authenticated') {
    if (!session.conn.secure) caps.push('STARTTLS');
    if (!session.plaintextAllowed) caps.push('LOGINDISABLED');
    for (const mechanism of advertisedMechanisms(session.plaintextAllowed)) caps.push(`AUTH=${mechanism}`);
  }
  return caps;
}

export type { Command };
