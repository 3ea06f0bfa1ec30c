/**
 * The main-thread side of group commit: deliveries wait in a queue; whenever the commit worker
 * is idle, everything queued goes to it as one batch. Each promise settles with its own outcome
 * once the batch's transaction is durable (or failed).
 */
import { Worker } from 'node:worker_threads';
import { LoftError } from '../../core/errors.ts';
import type { DeliveryCommit, DeliveryResult } from '../store.ts';
import type { DeliveryOutcome } from './deliveries.ts';

interface Pending {
  delivery: DeliveryCommit;
  resolve: (result: DeliveryResult) => void;
  reject: (err: unknown) => void;
}

export class DeliveryCommitter {
  readonly #file: string;
  #worker: Worker | undefined;
  #queue: Pending[] = [];
  #inFlight: Pending[] | undefined;
  #batchId = 0;
  #flushId = 0;
  #closing: Promise<void> | undefined;

  constructor(file: string) {
    this.#file = file;
  }

  commit(delivery: DeliveryCommit): Promise<DeliveryResult> {
    if (this.#closing) return Promise.reject(new LoftError('TEMP', 'the store is closing'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ delivery, resolve, reject });
      if (!this.#inFlight) this.#send();
    });
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('./commit-worker.ts', import.meta.url), {
      workerData: { file: this.#file },
    });
    worker.unref();
    worker.on('message', (message: { id?: number; outcomes?: DeliveryOutcome[] }) => {
      if (message.outcomes && message.id !== undefined)
        this.#settle({ id: message.id, outcomes: message.outcomes });
    });
    worker.on('error', (err) => this.#failInFlight(err));
    worker.on('exit', () => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#failInFlight(new Error('commit worker exited'));
    });
    this.#worker = worker;
    return worker;
  }

  #send(): void {
    if (this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    this.#inFlight = batch;
    const id = ++this.#batchId;
    this.#ensureWorker().postMessage({ id, batch: batch.map((p) => p.delivery) });
  }

  #settle(message: { id: number; outcomes: DeliveryOutcome[] }): void {
    const batch = this.#inFlight;
    this.#inFlight = undefined;
    if (!batch || message.id !== this.#batchId) return;
    batch.forEach((pending, i) => {
      const outcome = message.outcomes[i];
      if (outcome?.ok) pending.resolve(outcome.result);
      else
        pending.reject(
          new LoftError(outcome?.error.code ?? 'INTERNAL', outcome?.error.message ?? 'no outcome'),
        );
    });
    this.#send();
  }

  #failInFlight(err: unknown): void {
    const batch = this.#inFlight;
    this.#inFlight = undefined;
    if (batch) {
      const error = new LoftError('TEMP', `message commit failed: ${(err as Error)?.message ?? err}`, {
        cause: err,
      });
      for (const pending of batch) pending.reject(error);
    }
    if (!this.#closing) this.#send();
  }

  /** Resolves once the worker has indexed the text of everything committed before the call. */
  async flushIndex(): Promise<void> {
    while (this.#inFlight || this.#queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 2));
    const worker = this.#worker;
    if (!worker) return;
    const id = ++this.#flushId;
    await new Promise<void>((resolve) => {
      const onMessage = (message: { flushed?: number }): void => {
        if (message.flushed === id) {
          worker.off('message', onMessage);
          resolve();
        }
      };
      worker.on('message', onMessage);
      worker.postMessage({ flush: id });
    });
  }

  /** Waits for queued commits, then stops the worker. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      while (this.#inFlight || this.#queue.length > 0) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const worker = this.#worker;
      this.#worker = undefined;
      if (worker) {
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        worker.postMessage('close');
        await exited;
      }
    })();
    return this.#closing;
  }
}
