/**
 * What an attempt means for each recipient, and which reports the sender gets: the pure part of
 * the queue runner. RFC 3461 §4.1 NOTIFY decides who is told what; RFC 5321 §4.5.4.1 the retry
 * schedule and how long a message is kept; RFC 3464 what a report says.
 */
import type { QueueMessageHead, QueueOutcome, QueueRecipientRecord } from '../../store/store.ts';
import type { DsnRecipient } from './dsn.ts';
import type { OutboundOutcome } from './transport.ts';

/** The runner's schedule and limits, in milliseconds. */
export interface QueueSchedule {
  /** Wait after the first failed attempt. */
  retryBase: number;
  /** Each further wait is this many times the previous one… */
  retryFactor: number;
  /** …up to this. */
  retryMax: number;
  /** A message still undelivered after this long fails with 4.4.7 (RFC 5321 §4.5.4.1: 4–5 days). */
  maxAge: number;
  /** A delay notice (NOTIFY=DELAY) once a recipient has waited this long; 0: never. */
  delayNotice: number;
}

/** The wait before the next attempt, after `attempts` failed ones (1 for the first). */
export function retryDelay(schedule: QueueSchedule, attempts: number): number {
  const grown = schedule.retryBase * schedule.retryFactor ** Math.max(0, attempts - 1);
  return Math.min(grown, schedule.retryMax);
}

/** RFC 3461 §4.1: who asked to hear about `event`. Without NOTIFY: failures and delays. */
export function wants(recipient: QueueRecipientRecord, event: 'SUCCESS' | 'FAILURE' | 'DELAY'): boolean {
  if (recipient.notify === undefined) return event !== 'SUCCESS';
  return recipient.notify.includes(event);
}

/** The decisions of one attempt: what to record, and what to report to the sender. */
export interface AttemptDecision {
  outcomes: QueueOutcome[];
  failed: DsnRecipient[];
  delayed: DsnRecipient[];
  relayed: DsnRecipient[];
}

/** One line for logs, `queue show` and Diagnostic-Code: `550 5.1.1 text`. */
export function describeOutcome(o: OutboundOutcome): string {
  return [o.code, o.enhanced, o.text].filter((x) => x !== null && x !== '').join(' ');
}

/** Decides what each recipient's outcome means at time `now`. */
export function decide(
  message: QueueMessageHead,
  recipients: readonly QueueRecipientRecord[],
  results: readonly OutboundOutcome[],
  context: { now: number; schedule: QueueSchedule; remoteMta: string | undefined; dsn: boolean },
): AttemptDecision {
  const { now, schedule } = context;
  const decision: AttemptDecision = { outcomes: [], failed: [], delayed: [], relayed: [] };
  const age = now - message.createdAt;
  recipients.forEach((r, i) => {
    const o = results[i] ?? { status: 'temporary', code: null, enhanced: null, text: 'no outcome' };
    const text = describeOutcome(o);
    const base: DsnRecipient = {
      address: r.address,
      orcpt: r.orcpt,
      action: 'failed',
      status: o.enhanced ?? (o.status === 'permanent' ? '5.0.0' : '4.0.0'),
      remoteMta: o.code !== null ? context.remoteMta : undefined,
      diagnostic: o.code !== null ? text : undefined,
      lastAttempt: new Date(now),
    };
    if (o.status === 'delivered') {
      decision.outcomes.push({ recipientId: r.id, status: 'delivered', detail: text });
      // RFC 3461 §5.2.2: a peer without DSN: Loft reports "relayed" for NOTIFY=SUCCESS.
      if (wants(r, 'SUCCESS') && !context.dsn) {
        decision.relayed.push({ ...base, action: 'relayed', status: o.enhanced ?? '2.0.0' });
      }
      return;
    }
    const expired = o.status === 'temporary' && age >= schedule.maxAge;
    if (o.status === 'permanent' || expired) {
      const error = expired ? `Gave up after ${formatAge(age)}: ${text}` : text;
      decision.outcomes.push({ recipientId: r.id, status: 'failed', error });
      if (wants(r, 'FAILURE')) {
        decision.failed.push({
          ...base,
          // RFC 3463 §3.5: 4.4.7 delivery time expired.
          status: expired ? '4.4.7' : base.status.replace(/^4/, '5'),
          ...diagnosticOf(base, error),
        });
      }
      return;
    }
    const notice =
      schedule.delayNotice > 0 && !r.delayNotified && age >= schedule.delayNotice && wants(r, 'DELAY');
    decision.outcomes.push({
      recipientId: r.id,
      status: 'retry',
      at: now + retryDelay(schedule, r.attempts + 1),
      error: text,
      ...(notice ? { delayNotified: true } : {}),
    });
    if (notice) {
      decision.delayed.push({
        ...base,
        action: 'delayed',
        ...diagnosticOf(base, text),
        willRetryUntil: new Date(message.createdAt + schedule.maxAge),
      });
    }
  });
  return decision;
}

/** The remote server's reply when there was one, else Loft's own reason (RFC 3464 §2.3.6). */
function diagnosticOf(
  base: DsnRecipient,
  reason: string,
): Pick<DsnRecipient, 'diagnostic' | 'diagnosticType'> {
  return base.diagnostic !== undefined
    ? { diagnostic: base.diagnostic, diagnosticType: 'smtp' }
    : { diagnostic: reason, diagnosticType: 'X-Loft' };
}

function formatAge(ms: number): string {
  const hours = ms / 3_600_000;
  return hours >= 48
    ? `${Math.round(hours / 24)} days`
    : hours >= 1
      ? `${Math.round(hours)} hours`
      : `${Math.round(ms / 1000)} seconds`;
}
