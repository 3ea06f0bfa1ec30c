/**
 * Short ids for connections and transactions, unique within a process and very likely across
 * processes and restarts: a random prefix chosen at start and a counter (no random bytes per call).
 */
import { randomBytes } from 'node:crypto';

const prefix = randomBytes(4).toString('base64url').slice(0, 5);
let counter = 0;

/** A new id such as `kQ2xa3f9`; never the same twice in one process. */
export function nextId(): string {
  counter++;
  return prefix + counter.toString(36).padStart(4, '0');
}
