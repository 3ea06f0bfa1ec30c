/**
 * The POP3 command table: each keyword's handler and the states it is valid in (RFC 1939 §9,
 * RFC 2449 §5, RFC 2595 §4, RFC 5034 §4, RFC 6856 §2), checked in this one place. Handlers of
 * TRANSACTION-state commands receive the locked maildrop as an argument.
 */
import type { Pop3Command, Pop3Verb } from '../../proto/pop3/command.ts';
import { apop } from './commands/apop.ts';
import { auth } from './commands/auth.ts';
import { capa } from './commands/capa.ts';
import { dele } from './commands/dele.ts';
import { list } from './commands/list.ts';
import { noop } from './commands/noop.ts';
import { pass } from './commands/pass.ts';
import { quit } from './commands/quit.ts';
import { retr } from './commands/retr.ts';
import { rset } from './commands/rset.ts';
import { stat } from './commands/stat.ts';
import { stls } from './commands/stls.ts';
import { top } from './commands/top.ts';
import { uidl } from './commands/uidl.ts';
import { user } from './commands/user.ts';
import { utf8 } from './commands/utf8.ts';
import type { Maildrop } from './maildrop.ts';
import type { Pop3Session } from './session.ts';

type CommandOf<V extends Pop3Verb> = Extract<Pop3Command, { verb: V }>;
type Result = Promise<void> | void;

/** Where a command is valid, and the handler's shape that goes with it. */
export type CommandSpec<V extends Pop3Verb> =
  /** AUTHORIZATION state only (before login). */
  | { state: 'authorization'; handler: (session: Pop3Session, command: CommandOf<V>) => Result }
  /** TRANSACTION state only: the handler gets the locked maildrop. */
  | {
      state: 'transaction';
      handler: (session: Pop3Session, command: CommandOf<V>, maildrop: Maildrop) => Result;
    }
  /** Both states (CAPA, QUIT). */
  | { state: 'any'; handler: (session: Pop3Session, command: CommandOf<V>) => Result };

export const COMMANDS: { [V in Pop3Verb]: CommandSpec<V> } = {
  USER: { state: 'authorization', handler: user },
  PASS: { state: 'authorization', handler: pass },
  APOP: { state: 'authorization', handler: apop },
  AUTH: { state: 'authorization', handler: auth },
  STLS: { state: 'authorization', handler: stls },
  UTF8: { state: 'authorization', handler: utf8 },
  CAPA: { state: 'any', handler: capa },
  QUIT: { state: 'any', handler: quit },
  STAT: { state: 'transaction', handler: stat },
  LIST: { state: 'transaction', handler: list },
  RETR: { state: 'transaction', handler: retr },
  DELE: { state: 'transaction', handler: dele },
  NOOP: { state: 'transaction', handler: noop },
  RSET: { state: 'transaction', handler: rset },
  TOP: { state: 'transaction', handler: top },
  UIDL: { state: 'transaction', handler: uidl },
};

/** The `-ERR` text refusing `verb` in the session's current state, or undefined when it may run. */
export function stateRefusal(session: Pop3Session, verb: Pop3Verb): string | undefined {
  const { state } = COMMANDS[verb];
  if (state === 'transaction' && session.state !== 'transaction') return `${verb} is only valid after login`;
  if (state === 'authorization' && session.state !== 'authorization')
    return `${verb} is not valid after login`;
  return undefined;
}

/** Checks the state and runs the command's handler. */
export async function dispatch(session: Pop3Session, command: Pop3Command): Promise<void> {
  const refusal = stateRefusal(session, command.verb);
  if (refusal) {
    session.err(refusal);
    return;
  }
  const spec = COMMANDS[command.verb] as CommandSpec<Pop3Verb>;
  if (spec.state === 'transaction') {
    const maildrop = session.maildrop;
    if (!maildrop) throw new Error('TRANSACTION state without a maildrop');
    await spec.handler(session, command, maildrop);
  } else {
    await spec.handler(session, command);
  }
}
