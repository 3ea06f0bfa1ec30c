/** CAPABILITY (RFC 9051 §6.1.1). */
import type { SimpleCommand } from '../../../proto/imap/parse/index.ts';
import { atom } from '../../../proto/imap/value.ts';
import type { Completion, ImapSession } from '../session.ts';
import { capabilities } from '../table.ts';

export function capability(session: ImapSession, _tag: string, _command: SimpleCommand): Completion {
  session.untagged(atom('CAPABILITY'), ...capabilities(session).map(atom));
  return { kind: 'OK', text: 'CAPABILITY completed' };
}
