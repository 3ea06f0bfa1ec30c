/**
 * Commands without arguments (RFC 9051 §6.1.1 CAPABILITY, §6.1.2 NOOP, §6.1.3 LOGOUT, §6.2.1
 * STARTTLS, §6.3.10 NAMESPACE (RFC 2342), §6.3.13 IDLE (RFC 2177), §6.4.1 CLOSE, §6.4.2
 * UNSELECT (RFC 3691); RFC 3501 §6.4.1 CHECK), and the `DONE` line that ends IDLE.
 */

import type { Cursor } from './cursor.ts';

/** The names of the commands without arguments. */
export type SimpleName =
  | 'CAPABILITY'
  | 'NOOP'
  | 'LOGOUT'
  | 'STARTTLS'
  | 'NAMESPACE'
  | 'IDLE'
  | 'CHECK'
  | 'CLOSE'
  | 'UNSELECT';

/** A command without arguments. */
export interface SimpleCommand {
  readonly name: SimpleName;
}

/** Parses a command without arguments: nothing may follow its name (trailing spaces aside). */
export function parseSimple(name: SimpleName): (c: Cursor) => SimpleCommand {
  return (c) => {
    c.end();
    return { name };
  };
}

/**
 * RFC 2177 §3 (RFC 9051 §6.3.13) `idle = "IDLE" CRLF "DONE"`: true when a line read during IDLE
 * (framer in `line` mode) is `DONE`, in any case. Anything else is a protocol error: the session
 * ends IDLE with a BAD.
 */
export function isIdleDone(line: Uint8Array): boolean {
  return line.length === 4 && Buffer.from(line).toString('latin1').toUpperCase() === 'DONE';
}
