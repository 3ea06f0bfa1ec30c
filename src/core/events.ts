/**
 * The in-process event bus for mailbox changes: delivery, flag changes and expunges are published
 * here after they commit, and IMAP IDLE / selected sessions subscribe per mailbox.
 * A multi-process backend also publishes what other processes did (PostgreSQL LISTEN/NOTIFY).
 */
import { EventEmitter } from 'node:events';

/**
 * A committed change to one mailbox. `modseq` is the mailbox's HIGHESTMODSEQ after the change.
 * `resync` (uid and modseq 0) says changes may have been missed (a multi-process backend lost its
 * notification connection): whoever keeps state about the mailbox must read it again.
 */
export type MailboxChange =
  | { kind: 'append'; mailboxId: number; uid: number; modseq: number }
  | { kind: 'flags'; mailboxId: number; uid: number; modseq: number }
  | { kind: 'expunge'; mailboxId: number; uid: number; modseq: number }
  | { kind: 'resync'; mailboxId: number; uid: 0; modseq: 0 };

/** The emitter key of listeners to every mailbox (mailbox keys are decimal ids). */
const ALL = '*';

/** Publishes and subscribes mailbox changes; listeners must not throw. */
export class MailboxEvents {
  readonly #emitter = new EventEmitter({ captureRejections: false });

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  publish(change: MailboxChange): void {
    this.#emitter.emit(String(change.mailboxId), change);
    this.#emitter.emit(ALL, change);
  }

  /** Calls `listener` for each change of `mailboxId` until the returned function is called. */
  subscribe(mailboxId: number, listener: (change: MailboxChange) => void): () => void {
    const key = String(mailboxId);
    this.#emitter.on(key, listener);
    return () => this.#emitter.off(key, listener);
  }

  /** Sends `resync` to every mailbox someone listens to (changes may have been missed). */
  resyncAll(): void {
    for (const key of this.#emitter.eventNames()) {
      if (key === ALL || typeof key !== 'string') continue;
      this.publish({ kind: 'resync', mailboxId: Number(key), uid: 0, modseq: 0 });
    }
  }

  /** Calls `listener` for each change of every mailbox until the returned function is called. */
  subscribeAll(listener: (change: MailboxChange) => void): () => void {
    this.#emitter.on(ALL, listener);
    return () => this.#emitter.off(ALL, listener);
  }
}
