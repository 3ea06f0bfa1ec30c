/**
 * The state of one mail transaction inside the client machine: which recipients were accepted,
 * and the outcome of each as replies arrive. Pure.
 */
import type { Reply } from '../../proto/smtp/reply.ts';
import type { Envelope, RecipientOutcome, Stage, Status } from './types.ts';

/** RFC 5321 §4.2.1: 2yz done, 4yz transient, 5yz permanent; anything else is unexpected here. */
export function statusOf(code: number): Status {
  if (code >= 200 && code < 300) return 'delivered';
  if (code >= 500 && code < 600) return 'permanent';
  return 'temporary';
}

/** The text of a reply as one line. */
export function replyText(reply: Reply): string {
  return reply.lines.join(' ').trim();
}

/** Recipients of one transaction and what became of each. */
export class TransactionState {
  readonly envelope: Envelope;
  readonly size: number;
  readonly mode: 'data' | 'bdat';
  readonly #outcomes: (RecipientOutcome | null)[];
  /** Indexes of the recipients the server accepted (RCPT 2xx), awaiting the final reply. */
  readonly accepted: number[] = [];
  /** MAIL FROM was accepted: a transaction is open on the server until it ends or is reset. */
  mailAccepted = false;
  /** MAIL FROM was refused: later replies of the pipelined group are only consumed. */
  mailRefused = false;
  /** The content was refused part-way (a BDAT chunk refused): send no more. */
  aborted = false;
  /** RCPT commands sent so far (without pipelining they go one by one). */
  rcptSent = 0;
  /** The content phase has begun (DATA answered 354, or BDAT chunks started). */
  contentStarted = false;
  /** The final reply (end of data or BDAT LAST) arrived. */
  ended = false;

  constructor(envelope: Envelope, size: number, mode: 'data' | 'bdat') {
    this.envelope = envelope;
    this.size = size;
    this.mode = mode;
    this.#outcomes = envelope.recipients.map(() => null);
  }

  /** True once every recipient has its outcome. */
  get settled(): boolean {
    return this.#outcomes.every((o) => o !== null);
  }

  /** True when recipient `index` has its outcome already. */
  has(index: number): boolean {
    return this.#outcomes[index] !== null;
  }

  /** Sets the outcome of recipient `index` from a reply (first outcome wins). */
  fromReply(index: number, reply: Reply, stage: Stage): void {
    this.#set(index, {
      recipient: this.envelope.recipients[index]!.address,
      status: statusOf(reply.code),
      code: reply.code,
      enhanced: reply.enhanced ?? null,
      text: replyText(reply),
      stage,
    });
  }

  /** Gives every recipient without an outcome the outcome of `reply`. */
  allFromReply(reply: Reply, stage: Stage): void {
    for (let i = 0; i < this.#outcomes.length; i++) this.fromReply(i, reply, stage);
  }

  /** Gives the accepted recipients without an outcome the outcome of `reply`. */
  acceptedFromReply(reply: Reply, stage: Stage): void {
    for (const i of this.accepted) this.fromReply(i, reply, stage);
  }

  /** Gives every recipient without an outcome a decision of the client (no server reply). */
  allFailed(
    status: Exclude<Status, 'delivered'>,
    enhanced: string | null,
    text: string,
    stage: Stage,
    code: number | null = null,
  ): void {
    for (let i = 0; i < this.#outcomes.length; i++) {
      this.#set(i, {
        recipient: this.envelope.recipients[i]!.address,
        status,
        code,
        enhanced,
        text,
        stage,
      });
    }
  }

  /** The outcomes, in the order of the envelope's recipients. Throws when not settled. */
  outcomes(): RecipientOutcome[] {
    return this.#outcomes.map((o) => {
      if (o === null) throw new Error('transaction not settled');
      return o;
    });
  }

  #set(index: number, outcome: RecipientOutcome): void {
    if (this.#outcomes[index] === null) this.#outcomes[index] = outcome;
  }
}
