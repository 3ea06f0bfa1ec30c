/**
 * The UIDs of recently opened mailboxes, kept as runs (`UidList`) and updated from the event bus,
 * so that SELECT of a large mailbox does not read every UID from storage each time. An entry is
 * used only while it is provably current: it remembers the highest MODSEQ it has seen, and every
 * change to a mailbox's messages raises the mailbox's HIGHESTMODSEQ, so a caller that knows the
 * mailbox's HIGHESTMODSEQ gets the cached list only when nothing happened that the cache missed
 * (a change by another process without an event, an import …); otherwise the list is read again.
 * An event whose MODSEQ skips one drops the entry too (a change without an event came before it).
 */
import type { MailboxChange, MailboxEvents } from '../../core/events.ts';
import { UidList } from '../../core/uid-list.ts';
import type { Store } from '../../store/store.ts';

interface Entry {
  list: UidList;
  /** The highest MODSEQ of the changes this list reflects. */
  modseq: number;
}

export class UidListCache {
  readonly #store: Store;
  readonly #max: number;
  /** In least recently used order (a Map keeps insertion order). */
  readonly #entries = new Map<number, Entry>();

  constructor(deps: { store: Store; events: MailboxEvents }, maxMailboxes = 1000) {
    this.#store = deps.store;
    this.#max = maxMailboxes;
    deps.events.subscribeAll((change) => this.#apply(change));
  }

  /**
   * The UIDs of the mailbox whose HIGHESTMODSEQ is `highestModseq` (as just read): a copy of the
   * cached list when it is current, else read from storage. The copy is the caller's to change.
   */
  async get(mailboxId: number, highestModseq: number): Promise<UidList> {
    const entry = this.#entries.get(mailboxId);
    if (entry && entry.modseq === highestModseq) {
      this.#entries.delete(mailboxId);
      this.#entries.set(mailboxId, entry);
      return entry.list.clone();
    }
    this.#entries.delete(mailboxId);
    const list = new UidList(await this.#store.listUids(mailboxId));
    // Changes committed while reading are not known to be in the list: keep it only if none came.
    if (!this.#entries.has(mailboxId)) {
      this.#entries.set(mailboxId, { list: list.clone(), modseq: highestModseq });
      if (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value!);
    }
    return list;
  }

  #apply(change: MailboxChange): void {
    const entry = this.#entries.get(change.mailboxId);
    if (!entry) return;
    const { list } = entry;
    // Every operation raises HIGHESTMODSEQ (by one when the messages it changes share their new
    // MODSEQ, as a flag change on SQLite): a skipped MODSEQ is a change heard of without an event
    // (or several under one MODSEQ, as COPY announces); read the list again.
    if (change.modseq > entry.modseq + 1) {
      this.#entries.delete(change.mailboxId);
      return;
    }
    if (change.kind === 'append' && change.uid > (list.last ?? 0)) list.push([change.uid]);
    else if (change.kind === 'expunge') list.remove([change.uid]);
    else if (change.kind !== 'flags') {
      // An append below the last UID (out of order across processes), or a resync: read again.
      this.#entries.delete(change.mailboxId);
      return;
    }
    entry.modseq = Math.max(entry.modseq, change.modseq);
  }
}
