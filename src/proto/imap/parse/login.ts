/** LOGIN (RFC 9051 §6.2.3). */

import type { Cursor } from './cursor.ts';

/** `LOGIN userid password`. */
export interface LoginCommand {
  readonly name: 'LOGIN';
  readonly userid: string;
  readonly password: string;
}

/**
 * RFC 9051 §9 `login = "LOGIN" SP userid SP password`, `userid = astring`,
 * `password = astring`; both must be UTF-8 (RFC 9051 §6.2.3).
 */
export function parseLogin(c: Cursor): LoginCommand {
  c.SP();
  const userid = c.utf8(c.astring('a user name'), 'User name');
  c.SP();
  const password = c.utf8(c.astring('a password'), 'Password');
  c.end();
  return { name: 'LOGIN', userid, password };
}
