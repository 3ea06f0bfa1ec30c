/**
 * The outbound queue runner: it leases due recipients from the store (grouped by message and
 * domain), sends each group in one transaction through the {@link Transport}, records what became
 * of every recipient, and reports failures, delays and relayed successes to the sender through the
 * one delivery point. It wakes when mail is queued ({@link QueueRunner.wake}) and on a timer.
 *
 * Delivery is at least once: a lease that expires (a runner that crashed mid-delivery) makes its
 * recipients claimable again; a live runner renews the leases of its deliveries in progress. Several runners, in one process or many sharing a PostgreSQL
 * database, work one queue: the store's leases keep them apart.
 *
 * Recipients at a local domain never go through the network: they are resolved and delivered
 * through the delivery point (they only reach the queue if the domain became local meanwhile).
 */
import { isLoftError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { BlobStore } from '../../store/blob/blob-store.ts';
import type { QueueBatch, QueueMessageHead, Store } from '../../store/store.ts';
import { type AcceptedRecipient, type DeliveryService, queuedWork } from '../delivery/delivery.ts';
import { buildDsn, type DsnRecipient } from './dsn.ts';
import { decide, type QueueSchedule } from './reports.ts';
import type { OutboundOutcome, OutboundResult, Transport } from './transport.ts';

export interface QueueSettings extends QueueSchedule {
  /** How long a runner holds the recipients it works on (ms). */
  lease: number;
  /**
   * Groups (message × domain) being sent at once. A group whose sending is over leaves its slot
   * while its reports and outcomes are written; at most as many again may be in that state.
   */
  concurrency: number;
  /** Longest sleep between two looks at the queue (ms). */
  poll: number;
}

export interface QueueRunnerDeps {
  store: Store;
  blobs: BlobStore;
  delivery: Pick<DeliveryService, 'deliver'>;
  transport: Transport;
  /** This host's name (reports, trace headers). */
  hostname: string;
  settings: QueueSettings;
  isLocalDomain(domain: string): Promise<boolean>;
  /** Resolves an address of a local domain (undefined: no such recipient). */
  resolveLocal(
    address: string,
  ): Promise<{ accounts: number[]; remote: string[]; inboxes?: ReadonlyMap<number, number> } | undefined>;
  log: Logger;
  now?: () => number;
}

/** Reports larger than this return only the original header, unless RET=FULL asked otherwise. */
const FULL_RETURN_LIMIT = 256 * 1024;

export class QueueRunner {
  readonly #deps: QueueRunnerDeps;
  readonly #now: () => number;
  readonly #abort = new AbortController();
  readonly #active = new Set<Promise<void>>();
  /** Batches of `#active` still sending (the others are writing their reports and outcomes). */
  #sending = 0;
  #woken = false;
  #wakeup: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(deps: QueueRunnerDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /** Starts working the queue in the background. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** New mail was queued (or a runner finished): look at the queue now. */
  wake(): void {
    this.#woken = true;
    this.#wakeup?.();
  }

  /** Stops claiming, interrupts the deliveries in progress (they are retried), and waits for them. */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.wake();
    await this.#loop;
    await Promise.allSettled([...this.#active]);
    await this.#deps.transport.close?.();
  }

  async #run(): Promise<void> {
    const { settings, store, log } = this.#deps;
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      this.#woken = false;
      // A claim asked for while earlier outcomes are being recorded shares their transaction.
      const free = Math.min(
        settings.concurrency - this.#sending,
        2 * settings.concurrency - this.#active.size,
      );
      let claimed = 0;
      if (free > 0) {
        try {
          const batches = await store.claimQueue(this.#now(), settings.lease, free);
          claimed = batches.length;
          for (const batch of batches) this.#track(batch);
        } catch (err) {
          log.warn({ event: 'queue.claim.failed', err });
        }
      }
      if (signal.aborted) return;
      if ((claimed > 0 && claimed === free) || this.#woken) continue;
      let wait = settings.poll;
      if (free > 0 && claimed === 0) {
        try {
          const due = await store.nextQueueDue();
          if (due !== undefined) wait = Math.max(20, Math.min(wait, due - this.#now()));
        } catch {
          // the next claim will say what is wrong
        }
      }
      await this.#sleep(wait);
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#woken) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wakeup = () => {
        this.#wakeup = undefined;
        done();
      };
    });
  }

  #track(batch: QueueBatch): void {
    this.#sending++;
    let sending = true;
    const sent = (): void => {
      if (!sending) return;
      sending = false;
      this.#sending--;
      this.wake();
    };
    const work = this.#withLease(batch, sent)
      .catch((err: unknown) => {
        // The lease expires and the recipients are tried again: nothing is lost.
        this.#deps.log.error({ event: 'queue.attempt.failed', queueId: batch.message.id, err });
      })
      .finally(() => {
        this.#active.delete(work);
        sent();
        this.wake();
      });
    this.#active.add(work);
  }

  /**
   * Works a batch while renewing its lease every third of the lease time, so a delivery longer
   * than the lease is not taken over by another runner; the outcomes use the latest lease.
   * `sent` is called once the network part is over.
   */
  async #withLease(batch: QueueBatch, sent: () => void): Promise<void> {
    const { store, settings, log } = this.#deps;
    const ids = batch.recipients.map((r) => r.id);
    let lease = batch.leaseUntil;
    let renewing = Promise.resolve();
    const timer = setInterval(
      () => {
        renewing = renewing.then(async () => {
          const next = this.#now() + settings.lease;
          try {
            if ((await store.renewQueueLease(ids, lease, next)) > 0) lease = next;
          } catch (err) {
            log.warn({ event: 'queue.lease.failed', queueId: batch.message.id, err });
          }
        });
      },
      Math.max(1, Math.floor(settings.lease / 3)),
    );
    const stopRenewing = async (): Promise<number> => {
      clearInterval(timer);
      await renewing;
      return lease;
    };
    try {
      await this.#work(batch, stopRenewing, sent);
    } finally {
      await stopRenewing();
    }
  }

  async #work(batch: QueueBatch, stopRenewing: () => Promise<number>, sent: () => void): Promise<void> {
    const { store, blobs, settings, log } = this.#deps;
    const { message, domain, recipients } = batch;
    const content = await blobs.read(message.blobId, message.blobOffset);
    const result = (await this.#deps.isLocalDomain(domain))
      ? await this.#deliverLocally(batch, content)
      : await this.#deps.transport.send(
          domain,
          {
            sender: message.sender,
            recipients,
            eightBit: message.eightBit,
            smtpUtf8: message.smtpUtf8,
            ret: message.ret,
            envId: message.envId,
          },
          content,
          this.#abort.signal,
        );
    sent();
    const now = this.#now();
    const decision = decide(message, recipients, result.outcomes, {
      now,
      schedule: settings,
      remoteMta: result.remoteMta,
      dsn: result.dsn,
    });
    if (this.#abort.signal.aborted) {
      // Interrupted by shutdown: try again as soon as the server is back.
      for (const o of decision.outcomes) if (o.status === 'retry') o.at = now;
    }
    // Reports go first: a crash before the outcomes are recorded repeats the attempt (and a report),
    // never loses one. RFC 3461 §6.2: never a report about a report (null sender).
    if (message.sender !== '') {
      if (decision.failed.length > 0) await this.#report(message, content, decision.failed);
      if (decision.delayed.length > 0) await this.#report(message, content, decision.delayed);
      if (decision.relayed.length > 0) await this.#report(message, content, decision.relayed);
    }
    const recorded = await store.recordQueueOutcomes(message.id, await stopRenewing(), decision.outcomes);
    for (const blob of recorded.orphanBlobs) await blobs.remove(blob).catch(() => {});
    recipients.forEach((r, i) => {
      const o = decision.outcomes[i]!;
      const outcome = result.outcomes[i];
      log.info({
        event:
          o.status === 'delivered'
            ? 'queue.delivered'
            : o.status === 'failed'
              ? 'queue.failed'
              : 'queue.deferred',
        queueId: message.id,
        to: r.address,
        attempts: r.attempts + 1,
        remoteMta: result.remoteMta,
        reply: outcome
          ? [outcome.code, outcome.enhanced, outcome.text].filter((x) => x !== null).join(' ')
          : undefined,
      });
    });
  }

  /** A local domain: through the delivery point, never the network. */
  async #deliverLocally(batch: QueueBatch, content: Buffer): Promise<OutboundResult> {
    const outcomes: OutboundOutcome[] = [];
    const accepted: AcceptedRecipient[] = [];
    for (const r of batch.recipients) {
      const resolved = await this.#deps.resolveLocal(r.address);
      if (resolved) {
        accepted.push({ address: r.address, orcpt: r.orcpt, notify: r.notify, ...resolved });
        outcomes.push({ status: 'delivered', code: 250, enhanced: '2.0.0', text: 'Delivered locally' });
      } else {
        // Loft's own decisions, not an SMTP server's replies: no reply code (X-Loft in a report).
        outcomes.push({
          status: 'permanent',
          code: null,
          enhanced: '5.1.1',
          text: `No such user here: ${r.address}`,
        });
      }
    }
    if (accepted.length > 0) {
      try {
        const receipt = await this.#deps.delivery.deliver({
          sender: batch.message.sender,
          recipients: accepted,
          content: [content],
          trace: this.#trace(),
        });
        // A success notice (NOTIFY=SUCCESS) was queued with the message.
        if (queuedWork(receipt)) this.wake();
      } catch (err) {
        const permanent = isLoftError(err) && err.code === 'PERM';
        const failed: OutboundOutcome = permanent
          ? { status: 'permanent', code: null, enhanced: '5.4.6', text: (err as Error).message }
          : { status: 'temporary', code: null, enhanced: '4.3.0', text: 'Local delivery failed' };
        for (let i = 0; i < outcomes.length; i++)
          if (outcomes[i]!.status === 'delivered') outcomes[i] = failed;
      }
    }
    return { outcomes, remoteMta: this.#deps.hostname, dsn: true };
  }

  /** Sends a report to the message's sender, through the delivery point (local or queued). */
  async #report(message: QueueMessageHead, content: Buffer, recipients: DsnRecipient[]): Promise<void> {
    const { log } = this.#deps;
    const to = message.sender;
    const domain = to.slice(to.lastIndexOf('@') + 1).toLowerCase();
    const resolved = (await this.#deps.isLocalDomain(domain))
      ? await this.#deps.resolveLocal(to)
      : { accounts: [], remote: [to] };
    if (!resolved) {
      log.warn({ event: 'queue.report.dropped', queueId: message.id, to, reason: 'no such local sender' });
      return;
    }
    const failure = recipients[0]?.action === 'failed';
    const full =
      failure && (message.ret === 'FULL' || (message.ret === undefined && message.size <= FULL_RETURN_LIMIT));
    const report = buildDsn({
      hostname: this.#deps.hostname,
      to,
      date: new Date(this.#now()),
      id: `${message.id}.${this.#now().toString(36)}.${recipients[0]?.action ?? 'x'}`,
      envId: message.envId,
      arrivalDate: new Date(message.createdAt),
      recipients,
      original: content,
      returnContent: full ? 'full' : 'headers',
      international: message.smtpUtf8,
    });
    const receipt = await this.#deps.delivery.deliver({
      sender: '',
      recipients: [{ address: to, notify: ['NEVER'], ...resolved }],
      content: [report],
      // RFC 6533 §4: a report about an internationalized message is one too (sent with SMTPUTF8).
      trace: { ...this.#trace(), smtpUtf8: message.smtpUtf8 },
      eightBit: (full && message.eightBit) || message.smtpUtf8,
    });
    log.info({
      event: 'queue.report',
      queueId: message.id,
      to,
      action: recipients[0]?.action,
      id: receipt.id,
    });
    if (receipt.queueId !== undefined) this.wake();
  }

  #trace() {
    const hostname = this.#deps.hostname;
    return {
      helo: hostname,
      heloDomain: hostname,
      remoteIp: '127.0.0.1',
      hostname,
      esmtp: true,
      tls: undefined,
      authenticated: false,
      smtpUtf8: false,
    };
  }
}
