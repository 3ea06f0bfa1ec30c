/**
 * The maildrop of one POP3 session (RFC 1939 §4–§6): the INBOX snapshot taken at login, numbered
 * 1…n in UID order for the whole session, and the session's deletion marks. Nothing here touches
 * storage: DELE and RSET only change marks, and the marks become an expunge in UPDATE state.
 */
import { uniqueId } from '../../proto/pop3/uidl.ts';
import type { MaildropSnapshot, Pop3Message } from './services.ts';

/** Why a message number cannot be used. */
export type LookupFailure = 'no-such-message' | 'deleted';

export type Lookup =
  | { readonly ok: true; readonly message: Pop3Message }
  | { readonly ok: false; readonly reason: LookupFailure };

/** A message number and its message, for listings. */
export interface Numbered {
  readonly number: number;
  readonly message: Pop3Message;
}

export class Maildrop {
  readonly mailboxId: number;
  readonly uidValidity: number;
  readonly #messages: readonly Pop3Message[];
  readonly #deleted = new Set<number>();

  constructor(snapshot: MaildropSnapshot) {
    this.mailboxId = snapshot.mailboxId;
    this.uidValidity = snapshot.uidValidity;
    this.#messages = snapshot.messages;
  }

  /** Messages not marked deleted (RFC 1939 §5 STAT: deleted messages are not counted). */
  get count(): number {
    return this.#messages.length - this.#deleted.size;
  }

  /** Octets of the messages not marked deleted. */
  get octets(): number {
    let total = 0;
    this.#messages.forEach((message, i) => {
      if (!this.#deleted.has(i + 1)) total += message.size;
    });
    return total;
  }

  /** The message with number `n`, unless it does not exist or is marked deleted (RFC 1939 §5). */
  lookup(n: number): Lookup {
    if (!Number.isSafeInteger(n) || n < 1 || n > this.#messages.length)
      return { ok: false, reason: 'no-such-message' };
    if (this.#deleted.has(n)) return { ok: false, reason: 'deleted' };
    return { ok: true, message: this.#messages[n - 1]! };
  }

  /** Marks message `n` deleted (RFC 1939 §5 DELE); the caller has checked it with {@link lookup}. */
  markDeleted(n: number): void {
    if (this.lookup(n).ok) this.#deleted.add(n);
  }

  /** Unmarks every message (RFC 1939 §5 RSET). */
  reset(): void {
    this.#deleted.clear();
  }

  /** The messages not marked deleted, by number. */
  listing(): Numbered[] {
    const out: Numbered[] = [];
    this.#messages.forEach((message, i) => {
      if (!this.#deleted.has(i + 1)) out.push({ number: i + 1, message });
    });
    return out;
  }

  /** UIDs of the messages marked deleted: what UPDATE state removes (RFC 1939 §6). */
  deletedUids(): number[] {
    return [...this.#deleted].sort((a, b) => a - b).map((n) => this.#messages[n - 1]!.uid);
  }

  /** The UIDL unique-id of a message (RFC 1939 §7); see `proto/pop3/uidl.ts` for the format. */
  uniqueId(message: Pop3Message): string {
    return uniqueId(message.uid, this.uidValidity);
  }
}

/** The `-ERR` text for a message number {@link Maildrop.lookup} refused (RFC 1939 §5). */
export function lookupRefusal(msg: number, reason: LookupFailure): string {
  return reason === 'deleted' ? `Message ${msg} already deleted` : 'No such message';
}
