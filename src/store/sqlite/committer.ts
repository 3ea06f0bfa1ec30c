/**
 * The main-thread side of group commit: deliveries and the queue runner's writes (claims,
 * outcomes, lease renewals) wait in a queue; whenever the commit worker is idle, everything
 * queued goes to it as one batch, one transaction. Each promise settles with its own outcome once
 * the batch's transaction is durable (or failed). Full-text index writes go to the same worker,
 * but only when nothing else is waiting: an acknowledgement never waits for indexing.
 */
import { Worker } from 'node:worker_threads';
import { type ErrorCode, LoftError } from '../../core/errors.ts';
import type { DeliveryCommit, DeliveryResult, SearchText } from '../store.ts';
import type { DeliveryOutcome } from './commit-batch.ts';
import type { WorkerJob } from './commit-worker.ts';
import type { WriterOp, WriterOpResult, WriterOpValues } from './writer-ops.ts';

/** A group of deliveries committed all or nothing (one for a single delivery). */
interface Pending {
  group: readonly DeliveryCommit[];
  resolve: (results: DeliveryResult[]) => void;
  reject: (err: unknown) => void;
}

/** A write other than a delivery (the queue runner's, a flag change) waiting for the next batch. */
interface PendingOp {
  op: WriterOp;
  resolve: (value: WriterOpValues[WriterOp['kind']]) => void;
  reject: (err: unknown) => void;
}

interface IndexJob {
  items: { blobId: string; text: SearchText | null }[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** What the worker answers to a job. */
interface WorkerReply {
  id: number;
  outcomes?: DeliveryOutcome[];
  ops?: WriterOpResult[];
  indexed?: true;
  error?: { code: ErrorCode; message: string };
}

type InFlight = { kind: 'batch'; batch: Pending[]; ops: PendingOp[] } | { kind: 'index'; job: IndexJob };

export class DeliveryCommitter {
  readonly #file: string;
  #worker: Worker | undefined;
  #queue: Pending[] = [];
  #ops: PendingOp[] = [];
  #indexJobs: IndexJob[] = [];
  #inFlight: InFlight | undefined;
  #jobId = 0;
  #scheduled = false;
  #closing: Promise<void> | undefined;

  constructor(file: string) {
    this.#file = file;
  }

  /**
   * Commits `group` all or nothing, in the next batch; resolves with one result per delivery
   * once the batch's transaction is durable.
   */
  commit(group: readonly DeliveryCommit[]): Promise<DeliveryResult[]> {
    if (this.#closing) return Promise.reject(new LoftError('TEMP', 'the store is closing'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ group, resolve, reject });
      this.#schedule();
    });
  }

  /**
   * Applies a write (the queue runner's, a flag change) in the next batch, in a savepoint of its
   * own; resolves with its value once the batch's transaction is durable.
   */
  applyOp<K extends WriterOp['kind']>(op: Extract<WriterOp, { kind: K }>): Promise<WriterOpValues[K]> {
    if (this.#closing) return Promise.reject(new LoftError('TEMP', 'the store is closing'));
    return new Promise((resolve, reject) => {
      this.#ops.push({ op, resolve: resolve as PendingOp['resolve'], reject });
      this.#schedule();
    });
  }

  /** Writes texts to the full-text index once no delivery is waiting; resolves when committed. */
  index(items: { blobId: string; text: SearchText | null }[]): Promise<void> {
    if (this.#closing) return Promise.reject(new LoftError('TEMP', 'the store is closing'));
    return new Promise((resolve, reject) => {
      this.#indexJobs.push({ items, resolve, reject });
      this.#schedule();
    });
  }

  /**
   * Sends what waits once this turn of the event loop is over (the worker being idle), so that
   * everything asked for in one turn shares one batch.
   */
  #schedule(): void {
    if (this.#inFlight || this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (!this.#inFlight) this.#send();
    });
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('./commit-worker.ts', import.meta.url), {
      workerData: { file: this.#file },
    });
    worker.unref();
    worker.on('message', (reply: WorkerReply) => this.#settle(reply));
    worker.on('error', (err) => this.#failInFlight(err));
    worker.on('exit', () => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#failInFlight(new Error('commit worker exited'));
    });
    this.#worker = worker;
    return worker;
  }

  #post(job: WorkerJob, transfer: ArrayBuffer[] = []): void {
    this.#ensureWorker().postMessage(job, transfer);
  }

  #send(): void {
    const id = ++this.#jobId;
    if (this.#queue.length > 0 || this.#ops.length > 0) {
      const batch = this.#queue;
      const ops = this.#ops;
      this.#queue = [];
      this.#ops = [];
      this.#inFlight = { kind: 'batch', batch, ops };
      this.#post({ id, batch: batch.map((p) => p.group), ops: ops.map((p) => p.op) }, movedBodies(batch));
      return;
    }
    const job = this.#indexJobs.shift();
    if (!job) return;
    this.#inFlight = { kind: 'index', job };
    this.#post({ id, index: job.items });
  }

  #settle(reply: WorkerReply): void {
    const inFlight = this.#inFlight;
    if (!inFlight || reply.id !== this.#jobId) return;
    this.#inFlight = undefined;
    if (inFlight.kind === 'index') {
      if (reply.error) inFlight.job.reject(new LoftError(reply.error.code, reply.error.message));
      else inFlight.job.resolve();
    } else {
      inFlight.batch.forEach((pending, i) => {
        const outcome = reply.outcomes?.[i];
        if (outcome?.ok) pending.resolve(outcome.results);
        else
          pending.reject(
            new LoftError(outcome?.error.code ?? 'INTERNAL', outcome?.error.message ?? 'no outcome'),
          );
      });
      inFlight.ops.forEach((pending, i) => {
        const result = reply.ops?.[i];
        if (result?.ok) pending.resolve(result.value);
        else
          pending.reject(
            new LoftError(result?.error.code ?? 'INTERNAL', result?.error.message ?? 'no outcome'),
          );
      });
    }
    this.#send();
  }

  #failInFlight(err: unknown): void {
    const inFlight = this.#inFlight;
    this.#inFlight = undefined;
    if (inFlight) {
      const error = new LoftError('TEMP', `message commit failed: ${(err as Error)?.message ?? err}`, {
        cause: err,
      });
      if (inFlight.kind === 'index') inFlight.job.reject(error);
      else for (const pending of [...inFlight.batch, ...inFlight.ops]) pending.reject(error);
    }
    if (!this.#closing) this.#send();
  }

  /** Waits for queued commits, queue writes and index writes, then stops the worker. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      while (this.#inFlight || this.#queue.length > 0 || this.#ops.length > 0 || this.#indexJobs.length > 0) {
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

/**
 * The memory of the inline bodies the batch may take (`BlobRef.movable`), each a buffer that is
 * the whole of its ArrayBuffer: moved to the worker instead of copied. A large message copied
 * twice more per delivery kept V8's collector busy (external memory triggers full collections):
 * at 100 KB per message, moving cut the collector's threads from about 400 µs to 160 µs per
 * message.
 */
function movedBodies(batch: readonly Pending[]): ArrayBuffer[] {
  const moved = new Set<ArrayBuffer>();
  for (const { group } of batch) {
    for (const { blob } of group) {
      const body = blob.inline;
      if (!blob.movable || !body || body.byteOffset !== 0) continue;
      if (body.buffer instanceof ArrayBuffer && body.byteLength === body.buffer.byteLength)
        moved.add(body.buffer);
    }
  }
  return [...moved];
}
