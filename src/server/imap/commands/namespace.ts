/** NAMESPACE (RFC 2342, RFC 9051 §6.3.10): one personal namespace, "/" as hierarchy delimiter. */
import type { SimpleCommand } from '../../../proto/imap/parse/index.ts';
import { atom } from '../../../proto/imap/value.ts';
import type { Completion, ImapSession } from '../session.ts';

export function namespace(session: ImapSession, _tag: string, _command: SimpleCommand): Completion {
  session.untagged(atom('NAMESPACE'), [['', '/']], null, null);
  return { kind: 'OK', text: 'NAMESPACE completed' };
}
