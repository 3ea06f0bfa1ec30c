/**
 * Structured JSON logs (pino). Every connection logs through a child logger carrying its `cid`.
 * Protocol lines, credentials and message bodies are logged only at their own trace levels.
 */

import { pino } from 'pino';
import { nextId } from './ids.ts';

export type Logger = pino.Logger;
export type TraceLevel = 'off' | 'commands' | 'auth' | 'bodies';

/** Creates the root logger, writing JSON lines to standard error (or to `destination`). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { svc: 'loft' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (destination) return pino(options, destination);
  // Buffered: lines are written in blocks of 4 KB, and at least every 200 ms, instead of one
  // write per line (a busy server logs a few lines per message). The timer flushes the stream
  // itself: pino's `log.flush()` would also fsync the log file each time, five disk flushes a
  // second competing with the store's own, for lines that need no such promise.
  const stderr = pino.destination({ dest: 2, sync: false, minLength: 4096 });
  setInterval(() => stderr.flush(), 200).unref();
  return pino(options, stderr);
}

/** A logger that drops everything: the default for tests and CLI commands. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** A short connection id, unique enough to follow one connection through the logs. */
export function newConnectionId(): string {
  return nextId();
}

const TRACE_ORDER: Record<TraceLevel, number> = { off: 0, commands: 1, auth: 2, bodies: 3 };

/** True when `wanted` protocol detail may be logged at the configured trace level. */
export function traceAllows(configured: TraceLevel, wanted: Exclude<TraceLevel, 'off'>): boolean {
  return TRACE_ORDER[configured] >= TRACE_ORDER[wanted];
}
