/** NOOP (RFC 9051 §6.1.2) and CHECK (RFC 3501 §6.4.1): report mailbox changes, nothing else. */
import type { SimpleCommand } from '../../../proto/imap/parse/index.ts';
import type { Completion, ImapSession } from '../session.ts';

export function noop(_session: ImapSession, _tag: string, _command: SimpleCommand): Completion {
  return { kind: 'OK', text: 'NOOP completed' };
}

export function check(_session: ImapSession, _tag: string, _command: SimpleCommand): Completion {
  return { kind: 'OK', text: 'CHECK completed' };
}
