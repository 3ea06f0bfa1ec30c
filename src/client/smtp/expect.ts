/**
 * The replies the client machine awaits, in order: what each answers, the stage an outcome is
 * recorded at, and its RFC 5321 §4.5.3.2 timeout. Pure.
 */
import type { Stage, TimeoutName } from './types.ts';

/** One awaited reply. */
export type Expect =
  | { readonly what: 'greeting' | 'ehlo' | 'helo' | 'starttls' | 'mail' | 'data' | 'final' | 'rset' | 'quit' }
  | { readonly what: 'rcpt'; readonly index: number }
  | { readonly what: 'bdat'; readonly last: boolean }
  | { readonly what: 'ignored' };

/** The stage an outcome decided by each reply is recorded at. */
export const STAGE: Record<Expect['what'], Stage> = {
  greeting: 'greeting',
  ehlo: 'ehlo',
  helo: 'ehlo',
  starttls: 'starttls',
  mail: 'mail',
  rcpt: 'rcpt',
  data: 'data',
  final: 'content',
  bdat: 'content',
  rset: 'rset',
  quit: 'quit',
  ignored: 'content',
};

/** RFC 5321 §4.5.3.2: the timeout for the reply to each command. */
export function timeoutFor(e: Expect): TimeoutName {
  switch (e.what) {
    case 'greeting':
      return 'initial'; // §4.5.3.2.1
    case 'mail':
      return 'mail'; // §4.5.3.2.2
    case 'rcpt':
      return 'rcpt'; // §4.5.3.2.3
    case 'data':
      return 'dataInit'; // §4.5.3.2.4
    case 'bdat':
      // Each chunk is a data block (§4.5.3.2.5); the last one ends the data (§4.5.3.2.6).
      return e.last ? 'dataEnd' : 'dataBlock';
    case 'final':
    case 'ignored':
      return 'dataEnd'; // §4.5.3.2.6
    default:
      return 'command';
  }
}
