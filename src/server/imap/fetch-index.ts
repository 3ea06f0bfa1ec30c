/**
 * FETCH of the items that need no message bytes (RFC 9051 §7.5.2: UID, FLAGS, INTERNALDATE,
 * RFC822.SIZE, MODSEQ of RFC 7162 §3.1.4, ENVELOPE, BODY, BODYSTRUCTURE) over a slice of messages:
 * synchronous per message, written straight into one sink for the slice. ENVELOPE, BODY and
 * BODYSTRUCTURE come from the process's {@link fetchCache} when there, otherwise from the
 * structures of the slice's messages read in one query, and are then cached.
 */
import { decodeStructure, type MessageStructure } from '../../mime/index.ts';
import { type EncodeOptions, encodeValueInto, ResponseSink } from '../../proto/imap/encode.ts';
import { flagList, internalDate } from '../../proto/imap/fetch/flags-dates.ts';
import type { FetchItem } from '../../proto/imap/parse/index.ts';
import { fetchCache, fetchCacheVariant } from './fetch-cache.ts';
import { indexItemValue, needsStructure } from './fetch-items.ts';
import type { MailboxAccess, MessageRecord } from './services.ts';

/** A message of the slice: its sequence number and its row (absent: nothing is sent for it). */
export interface IndexTarget {
  readonly seq: number;
  readonly row: MessageRecord | undefined;
}

/** How the session reads responses. */
export interface IndexOptions {
  readonly rev2: boolean;
  readonly encoding: EncodeOptions;
}

/**
 * Writes `* seq FETCH (…)` for each target with a row, its items in the order given, into `out`.
 * Every item must be one that `needsBytes` (fetch-items.ts) rejects.
 */
export async function writeIndexFetches(
  access: MailboxAccess,
  targets: readonly IndexTarget[],
  items: readonly FetchItem[],
  options: IndexOptions,
  out: ResponseSink,
): Promise<void> {
  const variants = items
    .filter(needsStructure)
    .map((item) => fetchCacheVariant(item.type, options.rev2, options.encoding.utf8));
  // What the cache has for each target's blob; the blobs with an encoding missing are read.
  const cachedOf: (Readonly<Record<string, string>> | undefined)[] = [];
  const missing = new Set<string>();
  if (variants.length > 0) {
    for (const { row } of targets) {
      const cached = row && fetchCache.blob(row.blobId);
      cachedOf.push(cached);
      if (row && (!cached || variants.some((variant) => cached[variant] === undefined)))
        missing.add(row.blobId);
    }
  }
  const structures = missing.size > 0 ? await readStructures(access, [...missing]) : undefined;
  const scratch = new ResponseSink();
  const systemFlags = new Map<number, string>();
  for (let t = 0; t < targets.length; t++) {
    const { seq, row } = targets[t]!;
    if (!row) continue;
    out.text(`* ${seq} FETCH (`);
    let variantIndex = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (i > 0) out.text(' ');
      switch (item.type) {
        case 'UID':
          out.text(`UID ${row.uid}`);
          break;
        case 'RFC822.SIZE':
          out.text(`RFC822.SIZE ${row.size}`);
          break;
        case 'MODSEQ': // RFC 7162 §3.1.4.1: MODSEQ (n)
          out.text(`MODSEQ (${row.modseq})`);
          break;
        case 'FLAGS':
          out.text('FLAGS ');
          if (row.keywords.length > 0) {
            encodeValueInto(flagList(row.flags, row.keywords), options.encoding, out);
          } else {
            // Without keywords the list depends on the flag bits only: encoded once per value.
            let text = systemFlags.get(row.flags);
            if (text === undefined) {
              encodeValueInto(flagList(row.flags, []), options.encoding, scratch);
              text = scratch.takeText()!;
              systemFlags.set(row.flags, text);
            }
            out.text(text);
          }
          break;
        case 'INTERNALDATE':
          out.text('INTERNALDATE ');
          encodeValueInto(internalDate(row.internalDate), options.encoding, out);
          break;
        default: {
          const variant = variants[variantIndex++]!;
          out.text(`${item.type} `);
          const hit = cachedOf[t]?.[variant];
          if (hit !== undefined) {
            out.text(hit);
            break;
          }
          const structure = structures?.get(row.blobId);
          encodeValueInto(indexItemValue(item, row, structure, options)[1], options.encoding, scratch);
          const text = scratch.takeText();
          if (text === undefined) {
            out.bytes(scratch.take());
          } else {
            if (structure) fetchCache.set(row.blobId, variant, text);
            out.text(text);
          }
        }
      }
    }
    out.text(')\r\n');
  }
}

/** The decoded structures of these blobs, by blob id, read in one query. */
async function readStructures(
  access: MailboxAccess,
  blobIds: readonly string[],
): Promise<Map<string, MessageStructure>> {
  const texts = await access.structures(blobIds);
  const out = new Map<string, MessageStructure>();
  for (const [blobId, text] of texts) {
    const structure = decodeStructure(text);
    if (structure) out.set(blobId, structure);
  }
  return out;
}
