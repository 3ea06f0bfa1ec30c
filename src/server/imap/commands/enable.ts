/** ENABLE (RFC 5161): IMAP4rev2 (RFC 9051 §6.3.1) and UTF8=ACCEPT (RFC 6855) change how Loft talks. */
import type { EnableCommand } from '../../../proto/imap/parse/index.ts';
import { atom } from '../../../proto/imap/value.ts';
import type { Completion, ImapSession } from '../session.ts';

const KNOWN = new Set(['IMAP4REV2', 'UTF8=ACCEPT']);

export function enable(session: ImapSession, _tag: string, command: EnableCommand): Completion {
  const newly: string[] = [];
  for (const name of command.capabilities) {
    const upper = name.toUpperCase();
    if (KNOWN.has(upper) && !session.enabled.has(upper)) {
      session.enabled.add(upper);
      newly.push(upper === 'IMAP4REV2' ? 'IMAP4rev2' : upper);
    }
  }
  session.untagged(atom('ENABLED'), ...newly.map(atom));
  return { kind: 'OK', text: 'ENABLE completed' };
}
