/**
 * FETCH of the items that need no message bytes (RFC 9051 §7.5.2: UID, FLAGS, INTERNALDATE,
 * RFC822.SIZE, MODSEQ of RFC 7162 §3.1.4, ENVELOPE, BODY, BODYSTRUCTURE) over a slice of messages:
 * synchronous per message, written straight into one sink for the slice. ENVELOPE, BODY and
 * BODYSTRUCTURE come from the process's {@link fetchCache} when there, otherwise from the
 * structures of the slice's messages read in one query, and are then cached.
 */

import type { MessageStates } from '../../core/message-states.ts';
import { decodeStructure, type MessageStructure } from '../../mime/index.ts';
import { type EncodeOptions, encodeValueInto, ResponseSink } from '../../proto/imap/encode.ts';
import { flagList, internalDate } from '../../proto/imap/fetch/flags-dates.ts';
import type { FetchItem } from '../../proto/imap/parse/index.ts';
import { fetchCache, fetchCacheVariant } from './fetch-cache.ts';
import { needsStructure, structureItemValue } from './fetch-items.ts';
import type { MailboxAccess } from './services.ts';
import type { Targets } from './sets.ts';

/** What the messages have: their states, and their blobs (by index) when an item needs the structure. */
export interface IndexRows {
  readonly states: MessageStates;
  readonly blobIds?: readonly string[];
  /** RFC 7162 §3.1.4.1 CHANGEDSINCE: only the messages whose MODSEQ is above. */
  readonly changedSince?: number | undefined;
}

/** How the session reads responses. */
export interface IndexOptions {
  readonly rev2: boolean;
  readonly encoding: EncodeOptions;
}

/**
 * Writes `* seq FETCH (…)` for each target found in `rows`, its items in the order given, into
 * `out` (targets without a row are skipped: expunged, or unchanged since CHANGEDSINCE). Every
 * item must be one that `needsBytes` (fetch-items.ts) rejects; `blobIds` must be given when one
 * `needsStructure`.
 */
export async function writeIndexFetches(
  access: MailboxAccess,
  targets: Targets,
  rows: IndexRows,
  items: readonly FetchItem[],
  options: IndexOptions,
  out: ResponseSink,
): Promise<void> {
  const { states, blobIds, changedSince } = rows;
  const at = align(targets, states);
  const variants = items
    .filter(needsStructure)
    .map((item) => fetchCacheVariant(item.type, options.rev2, options.encoding.utf8));
  if (variants.length > 0 && !blobIds) throw new Error('FETCH: structure items need the blobs');
  // What the cache has for each message's blob; the blobs with an encoding missing are read.
  const cachedOf: (Readonly<Record<string, string>> | undefined)[] = [];
  const missing = new Set<string>();
  if (blobIds && variants.length > 0) {
    for (const blobId of blobIds) {
      const cached = fetchCache.blob(blobId);
      cachedOf.push(cached);
      if (!cached || variants.some((variant) => cached[variant] === undefined)) missing.add(blobId);
    }
  }
  const structures = missing.size > 0 ? await readStructures(access, [...missing]) : undefined;
  const scratch = new ResponseSink();
  const systemFlags = new Map<number, string>();
  for (let t = 0; t < at.length; t++) {
    const i = at[t]!;
    if (i < 0) continue;
    if (changedSince !== undefined && states.modseqs[i]! <= changedSince) continue;
    out.text(`* ${targets.seqs[t]} FETCH (`);
    let variantIndex = 0;
    for (let k = 0; k < items.length; k++) {
      const item = items[k]!;
      if (k > 0) out.text(' ');
      switch (item.type) {
        case 'UID':
          out.text(`UID ${states.uids[i]}`);
          break;
        case 'RFC822.SIZE':
          out.text(`RFC822.SIZE ${states.sizes[i]}`);
          break;
        case 'MODSEQ': // RFC 7162 §3.1.4.1: MODSEQ (n)
          out.text(`MODSEQ (${states.modseqs[i]})`);
          break;
        case 'FLAGS': {
          out.text('FLAGS ');
          const flags = states.flags[i]!;
          const keywords = states.keywords(i);
          if (keywords.length > 0) {
            encodeValueInto(flagList(flags, keywords), options.encoding, out);
          } else {
            // Without keywords the list depends on the flag bits only: encoded once per value.
            let text = systemFlags.get(flags);
            if (text === undefined) {
              encodeValueInto(flagList(flags, []), options.encoding, scratch);
              text = scratch.takeText()!;
              systemFlags.set(flags, text);
            }
            out.text(text);
          }
          break;
        }
        case 'INTERNALDATE':
          out.text('INTERNALDATE ');
          encodeValueInto(internalDate(states.dates[i]!), options.encoding, out);
          break;
        default: {
          const variant = variants[variantIndex++]!;
          out.text(`${item.type} `);
          const hit = cachedOf[i]?.[variant];
          if (hit !== undefined) {
            out.text(hit);
            break;
          }
          const blobId = blobIds![i]!;
          const structure = structures?.get(blobId);
          encodeValueInto(structureItemValue(item, structure, options)[1], options.encoding, scratch);
          const text = scratch.takeText();
          if (text === undefined) {
            out.bytes(scratch.take());
          } else {
            if (structure) fetchCache.set(blobId, variant, text);
            out.text(text);
          }
        }
      }
    }
    out.text(')\r\n');
  }
}

/**
 * For each target, the index of its message in `states`, or -1: by walking both side by side
 * while the targets ascend (a range does), by search otherwise.
 */
function align({ uids }: Targets, states: MessageStates): Int32Array {
  const at = new Int32Array(uids.length);
  let j = 0;
  for (let t = 0; t < uids.length; t++) {
    const uid = uids[t]!;
    if (t === 0 || uid <= uids[t - 1]!) j = states.lowerBound(uid);
    while (j < states.length && states.uids[j]! < uid) j++;
    at[t] = j < states.length && states.uids[j] === uid ? j : -1;
  }
  return at;
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
