/**
 * Ordering SORT results (RFC 5256 §3, RFC 5957 §3): each message's sort keys come from its index
 * row (ARRIVAL, SIZE) and its stored envelope (DATE, SUBJECT, addresses), never from its body.
 * Strings compare with the i;ascii-casemap collation (RFC 4790 §9.2: ASCII letters folded to upper
 * case, then octet by octet); messages equal on every key keep mailbox order (sequence numbers
 * ascending, whatever REVERSE says, RFC 5256 §3).
 */
import {
  decodeHeaderValue,
  decodeStructure,
  type Envelope,
  isGroup,
  type Mailbox,
} from '../../../mime/index.ts';
import type { SortCriterion, SortKeyName } from '../../../proto/imap/parse/index.ts';
import type { MailboxAccess, MessageRecord } from '../services.ts';
import { baseSubject } from './base-subject.ts';
import type { SearchHit } from './evaluate.ts';

/** The values one message is sorted by, in the order of the criteria. */
type SortValue = number | Buffer;

const SLICE = 500;

const ENVELOPE_KEYS: ReadonlySet<SortKeyName> = new Set<SortKeyName>([
  'CC',
  'DATE',
  'FROM',
  'SUBJECT',
  'TO',
  'DISPLAYFROM',
  'DISPLAYTO',
]);

/** RFC 4790 §9.2 i;ascii-casemap: the octets to compare, ASCII a-z as A-Z. */
export function asciiCasemap(text: string): Buffer {
  const bytes = Buffer.from(text.toWellFormed(), 'utf8');
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x61 && bytes[i]! <= 0x7a) bytes[i]! -= 0x20;
  return bytes;
}

/** The first address of a list as IMAP's ENVELOPE gives it (a group starts with its name). */
function firstAddress(list: Envelope['from']): Mailbox | undefined {
  const first = list?.[0];
  if (!first) return undefined;
  return isGroup(first) ? { mailbox: first.group, host: '' } : first;
}

/**
 * RFC 5957 §3: an address's display sort value: its decoded display name when not empty,
 * otherwise `mailbox@host`, otherwise the mailbox, otherwise empty.
 */
export function displayValue(address: Mailbox | undefined): string {
  if (!address) return '';
  const name = address.name === undefined ? '' : decodeHeaderValue(address.name);
  if (name !== '') return name;
  if (address.mailbox !== '' && address.host !== '') return `${address.mailbox}@${address.host}`;
  return address.mailbox;
}

/** RFC 5256 §3 and RFC 5957 §4: the value of one sort key for a message. */
export function sortValue(key: SortKeyName, row: MessageRecord, envelope: Envelope | undefined): SortValue {
  switch (key) {
    case 'ARRIVAL':
      return row.internalDate;
    case 'SIZE':
      return row.size;
    // The sent date in UTC; the internal date when there is no usable Date field.
    case 'DATE':
      return envelope?.time ?? row.internalDate;
    case 'SUBJECT':
      return asciiCasemap(baseSubject(envelope?.subject ?? ''));
    // The addr-mailbox (local part) of the first address; empty when there is none.
    case 'FROM':
      return asciiCasemap(firstAddress(envelope?.from)?.mailbox ?? '');
    case 'TO':
      return asciiCasemap(firstAddress(envelope?.to)?.mailbox ?? '');
    case 'CC':
      return asciiCasemap(firstAddress(envelope?.cc)?.mailbox ?? '');
    case 'DISPLAYFROM':
      return asciiCasemap(displayValue(firstAddress(envelope?.from)));
    case 'DISPLAYTO':
      return asciiCasemap(displayValue(firstAddress(envelope?.to)));
  }
}

function compareValues(a: SortValue, b: SortValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return Buffer.compare(a as Buffer, b as Buffer);
}

/**
 * The hits in the order of `criteria` (RFC 5256 §3). Messages expunged meanwhile (no index row)
 * are left out, as SEARCH leaves them out.
 */
export async function sortHits(
  access: MailboxAccess,
  mailboxId: number,
  hits: readonly SearchHit[],
  criteria: readonly SortCriterion[],
): Promise<SearchHit[]> {
  const needsEnvelope = criteria.some((c) => ENVELOPE_KEYS.has(c.key));
  const keyed: { hit: SearchHit; values: SortValue[] }[] = [];
  for (let start = 0; start < hits.length; start += SLICE) {
    const slice = hits.slice(start, start + SLICE);
    const rows = await access.messagesByUid(
      mailboxId,
      slice.map((h) => h.uid),
    );
    const byUid = new Map(rows.map((row) => [row.uid, row]));
    const present = slice.flatMap((hit) => {
      const row = byUid.get(hit.uid);
      return row ? [{ hit, row }] : [];
    });
    const envelopes = needsEnvelope
      ? await Promise.all(present.map(({ row }) => storedEnvelope(access, row)))
      : [];
    present.forEach(({ hit, row }, i) => {
      keyed.push({ hit, values: criteria.map((c) => sortValue(c.key, row, envelopes[i])) });
    });
  }
  keyed.sort((x, y) => {
    for (let i = 0; i < criteria.length; i++) {
      const order = compareValues(x.values[i]!, y.values[i]!);
      if (order !== 0) return criteria[i]!.reverse ? -order : order;
    }
    return x.hit.seq - y.hit.seq;
  });
  return keyed.map((k) => k.hit);
}

/** The envelope stored with the message at delivery, or undefined when it cannot be read. */
async function storedEnvelope(access: MailboxAccess, row: MessageRecord): Promise<Envelope | undefined> {
  try {
    return decodeStructure(await access.structure(row))?.envelope;
  } catch {
    return undefined;
  }
}
