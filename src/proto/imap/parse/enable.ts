/** ENABLE (RFC 9051 §6.3.1, RFC 5161 §3). */

import type { Cursor } from './cursor.ts';

/** `ENABLE capability…`: the capability names, upper case, in the order sent. */
export interface EnableCommand {
  readonly name: 'ENABLE';
  readonly capabilities: readonly string[];
}

/**
 * RFC 5161 §4 `enable = "ENABLE" 1*(SP capability)`; `capability = ("AUTH=" auth-type) / atom`.
 * Unknown names are not an error: the server enables what it knows (RFC 5161 §3).
 */
export function parseEnable(c: Cursor): EnableCommand {
  const capabilities: string[] = [];
  do {
    c.SP();
    capabilities.push(c.atom('a capability name').toUpperCase());
  } while (c.moreArgs());
  c.end();
  return { name: 'ENABLE', capabilities };
}
