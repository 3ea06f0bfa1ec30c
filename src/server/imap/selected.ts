/**
 * The selected mailbox of one session: the UID of each message sequence number, and the changes
 * other sessions, POP3 and delivery made since the client was last told. Changes are reported as
 * untagged EXISTS, EXPUNGE and FETCH (FLAGS) only at the points RFC 9051 §7.5.1 allows: never an
 * EXPUNGE while answering FETCH, STORE or SEARCH, so sequence numbers stay what the client knows.
 */
import type { MailboxChange } from '../../core/events.ts';
import { UidList } from '../../core/uid-list.ts';
import type { MailboxAccess, MailboxRecord } from './services.ts';

export interface PendingUpdates {
  /** Sequence numbers to report expunged, in the order to send them. */
  expunged: number[];
  /** The same messages by UID, ascending (RFC 7162 §3.2.10 VANISHED). */
  vanished: number[];
  /** The new message count, when it grew or must be restated. */
  exists: number | undefined;
  /** Messages whose flags changed: sequence number and UID. */
  flagsChanged: { seq: number; uid: number }[];
}

export class SelectedMailbox {
  readonly mailbox: MailboxRecord;
  readonly readOnly: boolean;
  /** UIDs by sequence number, ascending, as runs (a few bytes for most mailboxes). */
  #uids: UidList;
  readonly #access: MailboxAccess;
  #unsubscribe: () => void;
  /** Expunges not yet reported: UID → MODSEQ of the removal. */
  #expunged = new Map<number, number>();
  #flagged = new Set<number>();
  #grown = false;
  /** Changes may have been missed: compare with the store at the next report. */
  #resync = false;
  /** Wakes an IDLE waiting for changes. */
  onChange: (() => void) | undefined;

  private constructor(mailbox: MailboxRecord, readOnly: boolean, uids: UidList, access: MailboxAccess) {
    this.mailbox = mailbox;
    this.readOnly = readOnly;
    this.#uids = uids;
    this.#access = access;
    this.#unsubscribe = access.events.subscribe(mailbox.id, (change) => this.#record(change));
  }

  /** Opens a mailbox: subscribes to its changes first, then reads its UIDs, so nothing is missed. */
  static async open(
    access: MailboxAccess,
    mailbox: MailboxRecord,
    readOnly: boolean,
  ): Promise<SelectedMailbox> {
    const selected = new SelectedMailbox(mailbox, readOnly, new UidList(), access);
    selected.#uids = await access.uidList(mailbox.id, mailbox.highestModseq);
    return selected;
  }

  close(): void {
    this.#unsubscribe();
  }

  get count(): number {
    return this.#uids.length;
  }

  /**
   * Every UID the client knows, by sequence number - 1: a new array on each call, for work on the
   * whole mailbox (SEARCH, EXPUNGE); use {@link uidOf}, {@link seqOf} and {@link lastUid} otherwise.
   */
  get uids(): readonly number[] {
    return this.#uids.toArray();
  }

  /** The highest UID the client knows, or undefined when the mailbox is empty. */
  get lastUid(): number | undefined {
    return this.#uids.last;
  }

  /** The sequence numbers of the known UIDs in [from, to], first and last, or undefined. */
  seqRange(from: number, to: number): [number, number] | undefined {
    return this.#uids.seqRange(from, to);
  }

  /** Writes the UIDs of sequence numbers `fromSeq`…`toSeq` known into `out` from `at` (see `UidList.copyUids`). */
  copyUids(fromSeq: number, toSeq: number, out: Uint32Array, at: number): number {
    return this.#uids.copyUids(fromSeq, toSeq, out, at);
  }

  /** The UID of sequence number `seq` (1-based), or undefined. */
  uidOf(seq: number): number | undefined {
    return this.#uids.uidOf(seq);
  }

  /** The sequence number of `uid`, or undefined when it is not (or no longer) known to the client. */
  seqOf(uid: number): number | undefined {
    return this.#uids.seqOf(uid);
  }

  /** True when changes wait to be reported. */
  get hasPending(): boolean {
    return this.#grown || this.#resync || this.#flagged.size > 0 || this.#expunged.size > 0;
  }

  /**
   * Removes messages this session expunged itself (EXPUNGE, CLOSE, MOVE reports them in its own
   * response); their events, arriving later, find no sequence number and are ignored.
   */
  forget(uids: Iterable<number>): void {
    this.#uids.remove(uids);
  }

  #record(change: MailboxChange): void {
    if (change.kind === 'append') this.#grown = true;
    else if (change.kind === 'flags') this.#flagged.add(change.uid);
    else if (change.kind === 'expunge') this.#expunged.set(change.uid, change.modseq);
    else this.#resync = true;
    this.onChange?.();
  }

  /**
   * After missed notifications: the store's UIDs decide. Messages gone become expunges, new ones
   * growth, and every message still here is reported with its flags (they may have changed).
   */
  async #reconcile(): Promise<void> {
    this.#resync = false;
    const present = new Set(await this.#access.uids(this.mailbox.id));
    // The removals happened at the latest at the mailbox's HIGHESTMODSEQ now.
    const modseq =
      (await this.#access.mailboxById(this.mailbox.id))?.highestModseq ?? this.mailbox.highestModseq;
    for (const uid of this.#uids) {
      if (!present.has(uid)) this.#expunged.set(uid, modseq);
      else this.#flagged.add(uid);
    }
    this.#grown = true;
  }

  /**
   * Takes the changes to report now. With `allowExpunge` false (FETCH, STORE, SEARCH), expunges
   * stay pending. New messages are read from storage here, so EXISTS is exact.
   */
  async takeUpdates(allowExpunge: boolean): Promise<PendingUpdates> {
    if (this.#resync) await this.#reconcile();
    const updates: PendingUpdates = { expunged: [], vanished: [], exists: undefined, flagsChanged: [] };
    if (allowExpunge && this.#expunged.size > 0) {
      // Each EXPUNGE renumbers the messages after it (RFC 9051 §7.5.1), so send from the top down.
      const gone = [...this.#expunged.keys()]
        .map((uid) => this.seqOf(uid))
        .filter((s): s is number => s !== undefined);
      gone.sort((a, b) => b - a);
      for (const seq of gone) {
        updates.vanished.push(this.#uids.removeAt(seq)!);
        updates.expunged.push(seq);
      }
      updates.vanished.reverse();
      for (const uid of this.#expunged.keys()) this.#flagged.delete(uid);
      this.#expunged.clear();
    }
    if (this.#grown) {
      this.#grown = false;
      const last = this.#uids.last ?? 0;
      // Only the UIDs above the last one known: a delivery never costs a read of the whole mailbox.
      const fresh = (await this.#access.uids(this.mailbox.id, last)).filter(
        (uid) => !this.#expunged.has(uid),
      );
      if (fresh.length > 0) {
        this.#uids.push(fresh);
        updates.exists = this.#uids.length;
      }
    }
    for (const uid of this.#flagged) {
      if (this.#expunged.has(uid)) continue;
      const seq = this.seqOf(uid);
      if (seq !== undefined) updates.flagsChanged.push({ seq, uid });
    }
    this.#flagged.clear();
    return updates;
  }

  /**
   * The lowest MODSEQ among the expunges held back (during FETCH, STORE, SEARCH), or undefined.
   * RFC 7162 §3.2: a client that saw higher MODSEQs in FETCH responses
   * meanwhile must be told a HIGHESTMODSEQ below this one, or a lost connection would lose the
   * expunge.
   */
  get heldExpungeModseq(): number | undefined {
    let lowest: number | undefined;
    for (const modseq of this.#expunged.values())
      if (lowest === undefined || modseq < lowest) lowest = modseq;
    return lowest;
  }

  /** Forgets pending flag changes for these UIDs (the command reports them itself). */
  dropFlagChanges(uids: Iterable<number>): void {
    for (const uid of uids) this.#flagged.delete(uid);
  }
}
