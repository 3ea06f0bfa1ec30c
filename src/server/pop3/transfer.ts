/**
 * Sending message content as a multi-line response (RFC 1939 §3): read from the store in
 * chunks, dot-stuffed on the way out (the same encoder SMTP uses for DATA), ended by ".".
 *
 * The first chunk is read before `+OK` is sent, so a message that has gone (removed by another
 * session) gets a plain `-ERR`. A failure after `+OK` cannot be reported inside the response:
 * the connection is closed, and the client, missing the terminator, knows the transfer failed.
 */
import { topLength } from '../../proto/pop3/top.ts';
import { DotStuffer } from '../../proto/smtp/dot-stuff.ts';
import { ConnectionClosed } from '../net/connection.ts';
import type { Pop3Message } from './services.ts';
import type { Pop3Session } from './session.ts';

/** Octets read from the store at a time. */
const CHUNK = 256 * 1024;
/** First read for TOP: enough for the header and a few lines of most messages. */
const TOP_FIRST_READ = 16 * 1024;

/**
 * Sends a whole message (RETR). Resolves true once the terminator is written; false when the
 * transfer broke after `+OK` (the connection is then closed). Errors before `+OK` propagate.
 */
export async function sendMessage(
  session: Pop3Session,
  message: Pop3Message,
  body?: Buffer,
): Promise<boolean> {
  const { services } = session;
  let chunk = body ?? (await services.read(message, 0, Math.min(message.size, CHUNK)));
  // RFC 1939 §5: the size in the status line is the same count LIST gives.
  session.ok(`${message.size} octets`);
  const stuffer = new DotStuffer();
  if (chunk.length >= message.size) {
    // A message read in one piece is queued whole with its status line and terminator, without
    // a copy, so pipelined RETRs go out in few writes (sent when the session waits, or past 64
    // KiB queued).
    for (const part of stuffer.push(chunk)) session.send(part);
    for (const part of stuffer.end()) session.send(part);
    if (session.queuedOctets > 64 * 1024) await session.flush();
    return true;
  }
  let offset = 0;
  try {
    for (;;) {
      if (chunk.length > 0) await session.write(Buffer.concat(stuffer.push(chunk)));
      offset += chunk.length;
      if (offset >= message.size) break;
      if (chunk.length === 0) {
        session.log.warn({ event: 'pop3.short.message', uid: message.uid, size: message.size, offset });
        break;
      }
      chunk = await services.read(message, offset, Math.min(message.size, offset + CHUNK));
    }
  } catch (err) {
    if (err instanceof ConnectionClosed) throw err;
    abort(session, message, err);
    return false;
  }
  await session.write(Buffer.concat(stuffer.end()));
  return true;
}

/**
 * Sends the header, the blank line and the first `lines` body lines of a message (TOP),
 * reading only as much of it as needed. Errors before `+OK` propagate.
 */
export async function sendTop(session: Pop3Session, message: Pop3Message, lines: number): Promise<void> {
  let want = Math.min(message.size, TOP_FIRST_READ);
  for (;;) {
    const prefix = await session.services.read(message, 0, want);
    const complete = want >= message.size || prefix.length < want;
    const found = topLength(prefix, lines, complete);
    if (found.kind === 'found') {
      session.ok('Top of message follows');
      const stuffer = new DotStuffer();
      await session.write(
        Buffer.concat([...stuffer.push(prefix.subarray(0, found.length)), ...stuffer.end()]),
      );
      return;
    }
    want = Math.min(message.size, want * 4);
  }
}

/** A failure after `+OK`: the response cannot be ended properly, so the connection is closed. */
function abort(session: Pop3Session, message: Pop3Message, err: unknown): void {
  session.log.error({ event: 'pop3.transfer.failed', uid: message.uid, err });
  session.ending = true;
  session.conn.destroy();
}
