/**
 * ENABLE (RFC 5161): IMAP4rev2 (RFC 9051 §6.3.1) and UTF8=ACCEPT (RFC 9755) change how Loft
 * talks; CONDSTORE and QRESYNC (RFC 7162 §3.1, §3.2.3) turn on MODSEQ in FETCH responses and
 * VANISHED for expunges. QRESYNC implies CONDSTORE.
 */
import type { EnableCommand } from '../../../proto/imap/parse/index.ts';
import { atom } from '../../../proto/imap/value.ts';
import { enableCondstore } from '../condstore.ts';
import type { Completion, ImapSession } from '../session.ts';

const KNOWN = new Set(['IMAP4REV2', 'UTF8=ACCEPT', 'CONDSTORE', 'QRESYNC']);

export async function enable(
  session: ImapSession,
  _tag: string,
  command: EnableCommand,
): Promise<Completion> {
  const newly: string[] = [];
  const before = new Set(session.enabled);
  for (const name of command.capabilities) {
    const upper = name.toUpperCase();
    if (!KNOWN.has(upper) || before.has(upper) || newly.includes(upper)) continue;
    // RFC 5161 §3.1: ENABLED names only what this command enabled.
    if (upper === 'CONDSTORE' || upper === 'QRESYNC') await enableCondstore(session);
    session.enabled.add(upper);
    newly.push(upper);
  }
  session.untagged(atom('ENABLED'), ...newly.map((n) => atom(n === 'IMAP4REV2' ? 'IMAP4rev2' : n)));
  return { kind: 'OK', text: 'ENABLE completed' };
}
