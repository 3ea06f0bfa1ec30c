/**
 * The per-message state of recently fetched large mailboxes — UID, flags, keywords, MODSEQ, size
 * and INTERNALDATE, the items of a FETCH that need neither the structure nor the bytes — kept in
 * columns (about 30 octets a message) and kept current from the event bus, so that
 * `UID FETCH 1:* (FLAGS)` of a large mailbox reads only what changed since the last one.
 *
 * An entry is used only while it is provably current, as the UID list cache (uid-cache.ts): it
 * knows the highest MODSEQ it reflects, and every change to a mailbox's messages raises the
 * mailbox's HIGHESTMODSEQ (by one for a flag change of many messages on SQLite, which share
 * it; store/*), so a caller that has just read HIGHESTMODSEQ gets
 * the entry only when it is not behind; an event that skips a MODSEQ (a change that came
 * without one, or several changes under one MODSEQ, as COPY announces) drops the entry.
 * Changed UIDs are remembered and read again, in one query, on the next use.
 */
import type { MailboxChange, MailboxEvents } from '../../core/events.ts';
import { MessageStates } from '../../core/message-states.ts';
import type { Store } from '../../store/store.ts';

/** Fewer UIDs asked than this are read from storage directly (and start no entry). */
export const STATE_CACHE_MIN_MESSAGES = 256;

interface Entry {
  columns: MessageStates;
  /** The highest MODSEQ of the changes this entry reflects (or knows to read again). */
  modseq: number;
  /** UIDs changed, added or removed since the columns were read: read again before use. */
  dirty: Set<number>;
  /** The last read or merge under way: they run one at a time, in order. */
  turn: Promise<unknown>;
}

export class MessageStateCache {
  readonly #store: Store;
  readonly #maxMessages: number;
  /** In least recently used order (a Map keeps insertion order). */
  readonly #entries = new Map<number, Entry>();
  #cached = 0;

  constructor(deps: { store: Store; events: MailboxEvents }, maxMessages = 1_000_000) {
    this.#store = deps.store;
    this.#maxMessages = maxMessages;
    deps.events.subscribeAll((change) => this.#apply(change));
  }

  /**
   * The states of these UIDs (ascending) of the mailbox whose HIGHESTMODSEQ is `highestModseq`
   * (as just read): from the cache when it is current, after reading what changed; otherwise
   * the whole mailbox is read and cached when many UIDs are asked. UIDs without a message are
   * left out.
   */
  async get(mailboxId: number, highestModseq: number, uids: readonly number[]): Promise<MessageStates> {
    let entry = this.#entries.get(mailboxId);
    if (entry && entry.modseq < highestModseq) {
      this.#drop(mailboxId);
      entry = undefined;
    }
    if (entry) {
      this.#entries.delete(mailboxId);
      this.#entries.set(mailboxId, entry);
    } else {
      if (uids.length < STATE_CACHE_MIN_MESSAGES)
        return MessageStates.of(await this.#store.getMessages(mailboxId, uids));
      entry = this.#load(mailboxId, highestModseq);
    }
    const current = entry;
    const done = current.turn.then(() => this.#refresh(mailboxId, current));
    current.turn = done.catch(() => {});
    await done;
    // Dropped while reading (a change without an event, or evicted): storage answers.
    if (this.#entries.get(mailboxId) !== current)
      return MessageStates.of(await this.#store.getMessages(mailboxId, uids));
    return current.columns.pick(uids);
  }

  /**
   * A new entry for the mailbox, registered at once so that changes committed while it is read
   * are marked to read again; the read itself is its first turn.
   */
  #load(mailboxId: number, highestModseq: number): Entry {
    const entry: Entry = {
      columns: MessageStates.of([]),
      modseq: highestModseq,
      dirty: new Set(),
      turn: Promise.resolve(),
    };
    this.#entries.set(mailboxId, entry);
    const read = (async () => {
      const columns = await this.#store.readMessageStates(mailboxId);
      if (this.#entries.get(mailboxId) !== entry) return;
      entry.columns = columns;
      this.#cached += columns.length;
      for (const id of [...this.#entries.keys()]) {
        if (this.#cached <= this.#maxMessages) break;
        if (id !== mailboxId) this.#drop(id);
      }
    })();
    entry.turn = read.catch(() => this.#drop(mailboxId));
    return entry;
  }

  /** Reads again the messages changed since the entry's columns were read, and applies them. */
  async #refresh(mailboxId: number, entry: Entry): Promise<void> {
    if (entry.dirty.size === 0 || this.#entries.get(mailboxId) !== entry) return;
    const checked = [...entry.dirty].sort((a, b) => a - b);
    entry.dirty = new Set();
    try {
      const rows = await this.#store.getMessages(mailboxId, checked);
      const before = entry.columns.length;
      entry.columns = entry.columns.merged(checked, rows);
      if (this.#entries.get(mailboxId) === entry) this.#cached += entry.columns.length - before;
    } catch (err) {
      this.#drop(mailboxId);
      throw err;
    }
  }

  #drop(mailboxId: number): void {
    const entry = this.#entries.get(mailboxId);
    if (!entry) return;
    this.#cached -= entry.columns.length;
    this.#entries.delete(mailboxId);
  }

  #apply(change: MailboxChange): void {
    const entry = this.#entries.get(change.mailboxId);
    if (!entry) return;
    if (change.kind === 'resync' || change.modseq > entry.modseq + 1) {
      this.#drop(change.mailboxId); // a change without an event in between: read it all again
      return;
    }
    entry.dirty.add(change.uid);
    entry.modseq = Math.max(entry.modseq, change.modseq);
  }
}
