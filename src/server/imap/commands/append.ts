/**
 * APPEND (RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502), APPENDUID (RFC 4315 §3) and APPENDLIMIT
 * (RFC 7889). Messages go through the one delivery point (`ImapServices.append`). Bytes are
 * stored as given, except that bare LF line ends become CRLF, so octet counts (RFC822.SIZE, POP3
 * LIST) match what IMAP and POP3 serve. MULTIAPPEND is all or nothing (RFC 3502 §3): every
 * message is checked before any is stored, then all are committed in one storage transaction,
 * and the new messages are announced to other sessions only after that commit. Messages holding
 * NUL are refused (RFC 3516 §4.4, see below); literal8 content without NUL is stored as given.
 * An IMAP4rev1 client that did not ENABLE UTF8=ACCEPT may not append a message whose header holds
 * 8-bit octets (RFC 9755 §4, a MUST for servers that advertise UTF8=ACCEPT, as Loft does);
 * IMAP4rev2 clients may (RFC 9051 carries UTF-8 headers).
 */

import { hasEightBitHeader } from '../../../mime/index.ts';
import { containsNul, UNKNOWN_CTE } from '../../../proto/imap/fetch/binary.ts';
import { FLAG_BITS } from '../../../proto/imap/fetch/flags-dates.ts';
import type { AppendCommand, AppendMessage } from '../../../proto/imap/parse/index.ts';
import { atom } from '../../../proto/imap/value.ts';
import { resolveMailboxName } from '../mailbox-names.ts';
import type { Completion, ImapSession } from '../session.ts';
import { uidSet } from './copy-move.ts';

export async function append(
  session: ImapSession,
  _tag: string,
  command: AppendCommand,
): Promise<Completion> {
  const resolved = resolveMailboxName(session, command.mailbox);
  if (!resolved.ok) return resolved.completion;
  const access = session.services.mailboxes;
  const mailbox = await access.mailbox(session.account!.id, resolved.name);
  // RFC 9051 §6.3.12: a missing target is NO [TRYCREATE].
  if (!mailbox) return { kind: 'NO', text: 'No such mailbox', code: { name: 'TRYCREATE' } };
  const limit = session.settings.appendLimit;
  const prepared = command.messages.map((m) => ({ message: m, raw: normalizeLineEnds(m.data) }));
  // Check every message before storing any (RFC 3502 §3).
  for (const { message, raw } of prepared) {
    if (raw.length === 0) return { kind: 'NO', text: 'Cannot store an empty message' };
    // RFC 3516 §4.4: binary content the mailbox cannot store is NO [UNKNOWN-CTE]. Loft could keep
    // the octets, but could never give them back: NUL may not appear in a literal (RFC 9051 §4.3),
    // so BODY[], RFC822 and POP3 RETR could not serve the message. Such content must come
    // base64-encoded. A plain literal may not hold NUL at all (RFC 9051 §9 CHAR8).
    if (containsNul(raw))
      return {
        kind: 'NO',
        text: message.binary
          ? 'Cannot store NUL octets; send binary content base64-encoded'
          : 'NUL is not allowed in a literal',
        code: message.binary ? { name: UNKNOWN_CTE } : undefined,
      };
    if (!session.utf8 && hasEightBitHeader(raw))
      return { kind: 'NO', text: '8-bit octets in the header need ENABLE UTF8=ACCEPT first (RFC 9755 §4)' };
    // RFC 7889 §4: over APPENDLIMIT is NO [TOOBIG] (the framer refuses larger literals earlier).
    if (raw.length > limit)
      return { kind: 'NO', text: `Message larger than APPENDLIMIT ${limit}`, code: { name: 'TOOBIG' } };
  }
  // RFC 3502 §3: all or nothing, committed in one transaction; no other session sees a part.
  const placed = await session.services.append(
    mailbox.id,
    prepared.map(({ message, raw }) => ({ raw, ...storedFlags(message) })),
  );
  const uids = placed.map((p) => p.uid);
  return {
    kind: 'OK',
    text: 'APPEND completed',
    code: { name: 'APPENDUID', args: [mailbox.uidValidity, atom(uidSet(uids))] },
  };
}

function storedFlags(message: AppendMessage): { flags: number; keywords: string[]; internalDate?: number } {
  let flags = 0;
  const keywords: string[] = [];
  for (const flag of message.flags) {
    const bit = FLAG_BITS[flag as keyof typeof FLAG_BITS];
    if (bit !== undefined) flags |= bit;
    else if (!flag.startsWith('\\')) keywords.push(flag);
  }
  const internalDate = message.internalDate?.time.getTime();
  return internalDate === undefined ? { flags, keywords } : { flags, keywords, internalDate };
}

/** The message with each LF not preceded by CR turned into CRLF (the same buffer when there is none). */
export function normalizeLineEnds(data: Buffer): Buffer {
  let bare = 0;
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1))
    if (i === 0 || data[i - 1] !== 13) bare++;
  if (bare === 0) return data;
  const out = Buffer.allocUnsafe(data.length + bare);
  let o = 0;
  let from = 0;
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) {
    if (i > 0 && data[i - 1] === 13) continue;
    o += data.copy(out, o, from, i);
    out[o++] = 13;
    out[o++] = 10;
    from = i + 1;
  }
  data.copy(out, o, from);
  return out;
}
