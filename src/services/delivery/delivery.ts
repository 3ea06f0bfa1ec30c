/**
 * The one delivery point for every accepted message, whatever its source (MX, submission, and
 * later imports): it prepends the trace headers, indexes the MIME structure, writes the body
 * durably once, and commits a message row in the INBOX of every local recipient plus an outbound
 * queue entry for remote recipients, all in one transaction. Only when this resolves may a
 * protocol acknowledge the message (SMTP 250).
 */

import { removeForgedAuthResults } from '../../auth/results.ts';
import { LoftError } from '../../core/errors.ts';
import type { MailboxEvents } from '../../core/events.ts';
import { nextId } from '../../core/ids.ts';
import { encodeStructure, indexMessage } from '../../mime/index.ts';
import type { BlobRef, BlobStore } from '../../store/blob/blob-store.ts';
import type { DeliveryCommit, DeliveryResult, QueueRecipientInput, Store } from '../../store/store.ts';

export type { QueueRecipientInput };

import { successNotice } from './success-notice.ts';
import { receivedHeader, returnPathHeader, type TraceInfo } from './trace.ts';

/** One accepted recipient: where it resolved (local accounts, or a remote address) and its DSN parameters. */
export interface AcceptedRecipient extends QueueRecipientInput {
  /** Local account ids this recipient resolved to (empty for a remote address). */
  accounts: number[];
  /** Remote addresses it resolved to (itself, for a remote recipient; forward targets of an alias). */
  remote: string[];
  /** The INBOX of accounts, by account id, when the resolution read it (saves a lookup per message). */
  inboxes?: ReadonlyMap<number, number> | undefined;
}

export interface InboundMessage {
  /** The envelope sender; '' for the null reverse-path. */
  sender: string;
  recipients: AcceptedRecipient[];
  /** The content as received, CRLF line ends, no dot-stuffing. */
  content: readonly Buffer[];
  trace: Omit<TraceInfo, 'id' | 'date' | 'forRecipient'>;
  envId?: string | undefined;
  ret?: 'FULL' | 'HDRS' | undefined;
  requireTls?: boolean;
  eightBit?: boolean;
  accountId?: number | undefined;
  /**
   * The Authentication-Results field of the checks on port 25 (RFC 8601), added above the
   * Received field; any field in the message claiming Loft's hostname is removed first (§5).
   */
  authResults?: string | undefined;
  /** Deliver into each account's Junk mailbox instead of the INBOX (DMARC quarantine). */
  junk?: boolean | undefined;
}

/** DKIM signing of what Loft's users send (defined here, where it is used; see services/dkim). */
export interface MessageSigner {
  /** The DKIM-Signature fields for `message` sent by `domain`; empty when the domain has no keys. */
  sign(domain: string, message: Buffer): Promise<Buffer>;
}

export interface DeliveryReceipt {
  id: string;
  localCopies: number;
  /** The outbound queue entry of the remote recipients, if any. */
  queueId: number | undefined;
  /** The queue entry of the success notice to the sender (RFC 3461 NOTIFY=SUCCESS), if any. */
  noticeQueueId?: number | undefined;
}

/** True when the delivery left work for the queue runner (remote recipients or a notice). */
export function queuedWork(receipt: DeliveryReceipt): boolean {
  return receipt.queueId !== undefined || receipt.noticeQueueId !== undefined;
}

/** A message with this many Received fields or more is refused as a loop (RFC 5321 §6.3). */
export const MAX_HOPS = 50;

export class DeliveryService {
  readonly #store: Store;
  readonly #blobs: BlobStore;
  readonly #events: MailboxEvents;
  readonly #now: () => Date;
  readonly #signer: MessageSigner | undefined;

  constructor(deps: {
    store: Store;
    blobs: BlobStore;
    events: MailboxEvents;
    now?: () => Date;
    signer?: MessageSigner;
  }) {
    this.#signer = deps.signer;
    this.#store = deps.store;
    this.#blobs = deps.blobs;
    this.#events = deps.events;
    this.#now = deps.now ?? (() => new Date());
  }

  /** A fresh transaction id for trace headers and logs. */
  static newId(): string {
    return nextId();
  }

  /**
   * Delivers durably or throws LoftError (NOSPACE, TEMP, PERM for a mail loop, INTERNAL).
   * Nothing is acknowledged by the caller unless this resolves.
   */
  async deliver(message: InboundMessage, id = DeliveryService.newId()): Promise<DeliveryReceipt> {
    const date = this.#now();
    // Loop detection reads at most the first 256 KiB; a header without its empty line by then is
    // read whole only to remove forged results, below.
    let { head, rest, complete } = splitHead(message.content, HEAD_SCAN_LIMIT);
    if (countReceived(head) >= MAX_HOPS) {
      throw new LoftError('PERM', 'too many hops: mail loop detected');
    }
    const accountIds = unique(message.recipients.flatMap((r) => r.accounts));
    const remote = message.recipients.filter((r) => r.remote.length > 0);
    const allRecipients = message.recipients.map((r) => r.address);
    const received = Buffer.from(
      receivedHeader({
        ...message.trace,
        id,
        date,
        forRecipient: allRecipients.length === 1 ? allRecipients[0] : undefined,
      }),
    );
    const returnPath =
      accountIds.length > 0 ? Buffer.from(returnPathHeader(message.sender)) : Buffer.alloc(0);
    let content = message.content;
    let authResults = Buffer.alloc(0);
    if (message.authResults !== undefined) {
      if (!complete) ({ head, rest } = splitHead(message.content));
      content = [removeForgedAuthResults(head, message.trace.hostname), ...rest];
      authResults = Buffer.from(message.authResults);
    }
    // RFC 6376 §5: what a user submits for remote recipients is signed before it is queued.
    const signatures =
      this.#signer && message.trace.authenticated && remote.length > 0 && message.sender.includes('@')
        ? await this.#signer.sign(domainOf(message.sender), Buffer.concat([received, ...content]))
        : Buffer.alloc(0);
    const raw = ownedConcat([returnPath, authResults, signatures, received, ...content]);
    const structure = structureOf(raw);

    const known = new Map<number, number>();
    for (const r of message.recipients)
      for (const [account, inbox] of r.inboxes ?? []) known.set(account, inbox);
    const inboxes: number[] = [];
    for (const accountId of accountIds) {
      inboxes.push(await this.#targetMailbox(accountId, message.junk ?? false, known.get(accountId)));
    }

    // RFC 3461 §5.2.3: a `delivered` notice for NOTIFY=SUCCESS, committed with the message.
    const notice = successNotice(message, raw, { id, date, hostname: message.trace.hostname });
    const noticeBlob = notice && (await this.#blobs.put([notice.report], { handOver: true }));
    // `raw` was made here and is read no more once stored: no copy on its way to storage.
    const blob = await this.#blobs.put([raw], { handOver: true }).catch(async (err: unknown) => {
      if (noticeBlob) await this.#blobs.remove(noticeBlob.id).catch(() => {});
      throw err;
    });
    try {
      const main: DeliveryCommit = {
        blob,
        structure,
        internalDate: date.getTime(),
        placements: inboxes.map((mailboxId) => ({ mailboxId })),
        queue:
          remote.length > 0
            ? {
                sender: message.sender,
                recipients: remote.flatMap((r) =>
                  r.remote.map((address) => ({ address, orcpt: r.orcpt, notify: r.notify })),
                ),
                blob,
                blobOffset: returnPath.length,
                envId: message.envId,
                ret: message.ret,
                requireTls: message.requireTls ?? false,
                smtpUtf8: message.trace.smtpUtf8,
                eightBit: message.eightBit ?? false,
                accountId: message.accountId,
              }
            : undefined,
      };
      const { result, noticeQueueId } = await this.#commit(
        main,
        notice &&
          noticeBlob && {
            blob: noticeBlob,
            structure: structureOf(notice.report),
            internalDate: date.getTime(),
            placements: [],
            queue: { ...notice.queue, blob: noticeBlob },
          },
      );
      for (const placed of result.placed) {
        this.#events.publish({
          kind: 'append',
          mailboxId: placed.mailboxId,
          uid: placed.uid,
          modseq: placed.modseq,
        });
      }
      return { id, localCopies: result.placed.length, queueId: result.queueId, noticeQueueId };
    } catch (err) {
      await this.#blobs.remove(blob.id).catch(() => {});
      if (noticeBlob) await this.#blobs.remove(noticeBlob.id).catch(() => {});
      throw err;
    }
  }

  /** Commits the message, and its success notice in the same transaction when there is one. */
  async #commit(
    main: DeliveryCommit,
    notice: DeliveryCommit | undefined,
  ): Promise<{ result: DeliveryResult; noticeQueueId?: number | undefined }> {
    if (!notice) return { result: await this.#store.commitDelivery(main) };
    const [result, noticeResult] = await this.#store.commitDeliveries([main, notice]);
    if (!result) throw new LoftError('INTERNAL', 'delivery committed no message');
    return { result, noticeQueueId: noticeResult?.queueId };
  }

  /**
   * The INBOX of the account (`inbox` when the recipient's resolution read it), or its Junk
   * mailbox (special-use \\Junk, RFC 6154) when asked and present.
   */
  async #targetMailbox(accountId: number, junk: boolean, knownInbox: number | undefined): Promise<number> {
    if (junk) {
      const found = (await this.#store.listMailboxes(accountId)).find((m) => m.specialUse === '\\Junk');
      if (found) return found.id;
    }
    if (knownInbox !== undefined) return knownInbox;
    const inbox = await this.#store.getMailbox(accountId, 'INBOX');
    if (!inbox) throw new LoftError('INTERNAL', `account ${accountId} has no INBOX`);
    return inbox.id;
  }

  /**
   * Stores a message a client gives (IMAP APPEND, RFC 9051 §6.3.12) in one mailbox, through the
   * same path as every delivery: structure computed by {@link structureOf}, body written
   * durably, one row committed with the flags and keywords asked for, and the `append` event
   * published. The bytes are stored as given (no trace headers). Resolves with the new UID, or
   * throws LoftError (NOSPACE, TEMP, NOTFOUND, INTERNAL).
   */
  async append(
    mailboxId: number,
    raw: Buffer,
    options: AppendOptions = {},
  ): Promise<{ uid: number; modseq: number }> {
    return (await this.appendAll(mailboxId, [{ raw, ...options }]))[0]!;
  }

  /**
   * Stores several messages in one mailbox all or nothing (MULTIAPPEND, RFC 3502 §3): the bodies
   * are written first, then every row is committed in one storage transaction
   * (`Store.commitDeliveries`), and only then are the `append` events published, so no other
   * session ever sees a part of the set. On failure nothing is stored and the bodies written are
   * removed again. Resolves with the new UIDs in the order given, or throws LoftError (NOSPACE,
   * TEMP, NOTFOUND, INTERNAL).
   */
  async appendAll(
    mailboxId: number,
    messages: readonly ({ raw: Buffer } & AppendOptions)[],
  ): Promise<{ uid: number; modseq: number }[]> {
    const blobs: BlobRef[] = [];
    try {
      const commits: DeliveryCommit[] = [];
      for (const message of messages) {
        const structure = structureOf(message.raw);
        const blob = await this.#blobs.put([message.raw]);
        blobs.push(blob);
        commits.push({
          blob,
          structure,
          internalDate: message.internalDate ?? this.#now().getTime(),
          placements: [{ mailboxId, flags: message.flags ?? 0, keywords: [...(message.keywords ?? [])] }],
        });
      }
      const results = await this.#store.commitDeliveries(commits);
      const placed = results.map((result) => {
        const first = result.placed[0];
        if (!first) throw new LoftError('INTERNAL', 'append placed no message');
        return first;
      });
      for (const p of placed) {
        this.#events.publish({ kind: 'append', mailboxId, uid: p.uid, modseq: p.modseq });
      }
      return placed.map((p) => ({ uid: p.uid, modseq: p.modseq }));
    } catch (err) {
      for (const blob of blobs) await this.#blobs.remove(blob.id).catch(() => {});
      throw err;
    }
  }
}

/** What a client may set on a message it appends: system-flag bits, keywords, internal date (ms). */
export interface AppendOptions {
  flags?: number;
  keywords?: readonly string[];
  internalDate?: number;
}

/**
 * What is computed once per stored message, whatever its source (SMTP delivery, IMAP APPEND):
 * the serialised MIME structure with byte offsets (its text is indexed later, in the background,
 * by the search indexer).
 */
export function structureOf(raw: Buffer): string {
  return encodeStructure(indexMessage(raw));
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

function unique(values: number[]): number[] {
  return [...new Set(values)];
}

const CRLF_CRLF = Buffer.from('\r\n\r\n');

/** How much of the content loop detection reads, at most, for the header section. */
const HEAD_SCAN_LIMIT = 256 * 1024;

/**
 * The content split after its header section: `head` holds the whole header section, the empty
 * line and whatever else shared their chunks (one copy of the chunks the header spans; a large
 * body is not copied to read its header); `rest` are the chunks after it, unchanged. `complete`
 * is false when no empty line came within `limit` octets: `head` then holds the chunks read.
 */
export function splitHead(
  content: readonly Buffer[],
  limit = Number.POSITIVE_INFINITY,
): { head: Buffer; rest: readonly Buffer[]; complete: boolean } {
  // The last octets before the chunk at hand, for an empty line split across chunks. The content
  // follows a virtual CRLF, so that an empty line first ends an empty header section.
  let tail: Buffer = Buffer.from('\r\n');
  let read = 0;
  for (let i = 0; i < content.length; i++) {
    const chunk = content[i]!;
    const seam = Buffer.concat([tail, chunk.subarray(0, 3)]);
    const found = seam.includes(CRLF_CRLF) || chunk.includes(CRLF_CRLF);
    read += chunk.length;
    if (found || read >= limit) {
      const head = i === 0 ? chunk : Buffer.concat(content.slice(0, i + 1));
      return { head, rest: content.slice(i + 1), complete: found };
    }
    tail = chunk.length >= 3 ? chunk.subarray(-3) : Buffer.concat([tail, chunk]).subarray(-3);
  }
  return { head: Buffer.concat(content), rest: [], complete: false };
}

/** Counts Received header fields in the header section (RFC 5321 §6.3 loop detection). */
export function countReceived(head: Buffer): number {
  // An empty line first: no header section at all.
  if (head.length >= 2 && head[0] === 0x0d && head[1] === 0x0a) return 0;
  const end = head.indexOf('\r\n\r\n');
  const header = (end === -1 ? head : head.subarray(0, end)).toString('latin1');
  let count = 0;
  for (const line of header.split('\r\n')) if (/^received[ \t]*:/i.test(line)) count++;
  return count;
}

/**
 * `Buffer.concat` into memory of its own (never a slice of Node's shared pool), so that storage
 * may take it over without a copy (`PutOptions.handOver`).
 */
function ownedConcat(parts: readonly Buffer[]): Buffer {
  let size = 0;
  for (const part of parts) size += part.length;
  const out = Buffer.allocUnsafeSlow(size);
  let at = 0;
  for (const part of parts) at += part.copy(out, at);
  return out;
}
