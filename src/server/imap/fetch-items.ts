/**
 * The value of each FETCH data item for one message (RFC 9051 §7.5.2), from its index row, its
 * stored MIME structure and, when an item needs them, its bytes. The response names echo the
 * section asked for (`BODY[1.HEADER.FIELDS (FROM)]<0>`).
 */
import { decodeStructure, type MessageStructure } from '../../mime/index.ts';
import { binaryBytes, binarySize, containsNul } from '../../proto/imap/fetch/binary.ts';
import { body, bodyStructure } from '../../proto/imap/fetch/bodystructure.ts';
import { envelope } from '../../proto/imap/fetch/envelope.ts';
import { flagList, internalDate } from '../../proto/imap/fetch/flags-dates.ts';
import { preview } from '../../proto/imap/fetch/preview.ts';
import { applyPartial, sectionBytes } from '../../proto/imap/fetch/sections.ts';
import type { FetchItem, SectionSpec } from '../../proto/imap/parse/index.ts';
import { atom, type ImapValue } from '../../proto/imap/value.ts';
import type { MailboxAccess, MessageRecord } from './services.ts';

/** What an item needs besides the index row. */
export function needsStructure(item: FetchItem): boolean {
  return (
    item.type !== 'FLAGS' &&
    item.type !== 'UID' &&
    item.type !== 'INTERNALDATE' &&
    item.type !== 'RFC822.SIZE' &&
    item.type !== 'MODSEQ'
  );
}

export function needsBytes(item: FetchItem): boolean {
  return (
    item.type === 'BODY[]' ||
    item.type === 'BINARY' ||
    item.type === 'BINARY.SIZE' ||
    item.type === 'PREVIEW' ||
    item.type === 'RFC822' ||
    item.type === 'RFC822.HEADER' ||
    item.type === 'RFC822.TEXT'
  );
}

/** True when fetching the item sets \Seen (RFC 9051 §6.4.5: BODY[...] without PEEK, RFC822, RFC822.TEXT, BINARY). */
export function setsSeen(item: FetchItem): boolean {
  return (
    ((item.type === 'BODY[]' || item.type === 'BINARY') && !item.peek) ||
    item.type === 'RFC822' ||
    item.type === 'RFC822.TEXT'
  );
}

/** Lazily loaded parts of one message, shared by its items. */
export class MessageData {
  readonly row: MessageRecord;
  readonly #access: MailboxAccess;
  #structure: Promise<MessageStructure | undefined> | undefined;
  #raw: Promise<Buffer> | undefined;

  /**
   * `structure` and `raw`: the message's structure and bytes when already read (FETCH reads
   * them by slice).
   */
  constructor(row: MessageRecord, access: MailboxAccess, structure?: MessageStructure, raw?: Buffer) {
    this.row = row;
    this.#access = access;
    if (structure) this.#structure = Promise.resolve(structure);
    if (raw) this.#raw = Promise.resolve(raw);
  }

  structure(): Promise<MessageStructure | undefined> {
    this.#structure ??= this.#access.structure(this.row).then((text) => decodeStructure(text));
    return this.#structure;
  }

  raw(): Promise<Buffer> {
    this.#raw ??= this.#access.read(this.row);
    return this.#raw;
  }
}

/** Formats `BODY[section]` as the response names it. */
function sectionName(prefix: string, spec: SectionSpec): string {
  const parts: string[] = [];
  if (spec.part.length > 0) parts.push(spec.part.join('.'));
  if (spec.kind) {
    const fields =
      spec.fields && spec.fields.length > 0 ? ` (${spec.fields.map((f) => f.toUpperCase()).join(' ')})` : '';
    parts.push(`${spec.kind}${fields}`);
  }
  return `${prefix}[${parts.join('.')}]`;
}

/**
 * The name and value of an item that needs no message bytes ({@link needsBytes} false), from the
 * index row and, for ENVELOPE, BODY and BODYSTRUCTURE, the decoded structure; synchronous, so that
 * FETCH over a large range costs no await per message.
 */
export function indexItemValue(
  item: FetchItem,
  row: MessageRecord,
  structure: MessageStructure | undefined,
  options: { rev2: boolean },
): [ImapValue, ImapValue] {
  switch (item.type) {
    case 'UID':
      return [UID, row.uid];
    case 'FLAGS':
      return [FLAGS, flagList(row.flags, row.keywords)];
    case 'INTERNALDATE':
      return [INTERNALDATE, internalDate(row.internalDate)];
    case 'RFC822.SIZE':
      return [RFC822_SIZE, row.size];
    case 'MODSEQ':
      return [MODSEQ, [row.modseq]];
    default:
      return structureItemValue(item, structure, options);
  }
}

/** ENVELOPE, BODY or BODYSTRUCTURE from the decoded structure (NIL without one). */
export function structureItemValue(
  item: FetchItem,
  structure: MessageStructure | undefined,
  options: { rev2: boolean },
): [ImapValue, ImapValue] {
  switch (item.type) {
    case 'ENVELOPE':
      return [ENVELOPE, structure ? envelope(structure.envelope) : null];
    case 'BODY':
    case 'BODYSTRUCTURE': {
      const value = structure
        ? (item.type === 'BODY' ? body : bodyStructure)(structure, { imap4rev2: options.rev2 })
        : null;
      return [item.type === 'BODY' ? BODY : BODYSTRUCTURE, value];
    }
    default:
      throw new TypeError(`FETCH ${item.type} needs the message bytes`);
  }
}

const UID = atom('UID');
const FLAGS = atom('FLAGS');
const INTERNALDATE = atom('INTERNALDATE');
const RFC822_SIZE = atom('RFC822.SIZE');
const MODSEQ = atom('MODSEQ');
const ENVELOPE = atom('ENVELOPE');
const BODY = atom('BODY');
const BODYSTRUCTURE = atom('BODYSTRUCTURE');

/** The name and value of one item, or a refusal (BINARY of an unknown transfer encoding). */
export async function itemValue(
  item: FetchItem,
  data: MessageData,
  options: { rev2: boolean },
): Promise<[ImapValue, ImapValue] | { unknownCte: string }> {
  const row = data.row;
  switch (item.type) {
    case 'RFC822':
      return [atom('RFC822'), await data.raw()];
    case 'RFC822.HEADER':
    case 'RFC822.TEXT': {
      const structure = await data.structure();
      const raw = await data.raw();
      const kind = item.type === 'RFC822.HEADER' ? 'HEADER' : 'TEXT';
      return [atom(item.type), structure ? sectionBytes(raw, structure, { part: [], kind }) : null];
    }
    case 'BODY[]': {
      const origin = item.partial ? `<${item.partial.origin}>` : '';
      // The whole message (RFC 9051 §6.4.5 `BODY[]`): its bytes as stored, no structure needed.
      if (item.section.part.length === 0 && item.section.kind === undefined) {
        return [atom(`BODY[]${origin}`), applyPartial(await data.raw(), item.partial ?? undefined)];
      }
      const structure = await data.structure();
      const raw = await data.raw();
      const bytes = structure ? sectionBytes(raw, structure, item.section, item.partial ?? undefined) : null;
      return [atom(sectionName('BODY', item.section) + origin), bytes];
    }
    case 'BINARY': {
      const structure = await data.structure();
      if (!structure) return [atom(`BINARY[${item.part.join('.')}]`), null];
      const result = binaryBytes(await data.raw(), structure, item.part, item.partial ?? undefined);
      if (result.kind === 'unknown-cte') return { unknownCte: result.encoding };
      const name = atom(`BINARY[${item.part.join('.')}]${item.partial ? `<${item.partial.origin}>` : ''}`);
      if (result.kind !== 'ok') return [name, null];
      // RFC 3516 §4.2, RFC 9051 §6.4.5: decoded data holding NUL can only go as a literal8
      // `~{n}`; any other data as a plain literal (the server SHOULD avoid literal8 then).
      return [name, containsNul(result.data) ? { literal8: result.data } : result.data];
    }
    case 'BINARY.SIZE': {
      const structure = await data.structure();
      if (!structure) return [atom(`BINARY.SIZE[${item.part.join('.')}]`), 0];
      const result = binarySize(await data.raw(), structure, item.part);
      if (result.kind === 'unknown-cte') return { unknownCte: result.encoding };
      return [atom(`BINARY.SIZE[${item.part.join('.')}]`), result.kind === 'ok' ? result.size : 0];
    }
    case 'PREVIEW': {
      const structure = await data.structure();
      return [atom('PREVIEW'), structure ? preview(await data.raw(), structure) : null];
    }
    default:
      return indexItemValue(item, row, needsStructure(item) ? await data.structure() : undefined, options);
  }
}
