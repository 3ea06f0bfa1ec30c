/** ID (RFC 2971): the client's identity is logged; the server names itself. */
import type { IdCommand } from '../../../proto/imap/parse/index.ts';
import type { Completion, ImapSession } from '../session.ts';

export function id(session: ImapSession, _tag: string, command: IdCommand): Completion {
  if (command.params)
    session.log.info({
      event: 'imap.client.id',
      client: Object.fromEntries(command.params.map((p) => [p.field, p.value])),
    });
  session.untagged({ atom: 'ID' }, ['name', 'Loft', 'vendor', 'Loft']);
  return { kind: 'OK', text: 'ID completed' };
}
