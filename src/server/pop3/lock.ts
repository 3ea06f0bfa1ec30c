/**
 * The exclusive-access lock on a maildrop (RFC 1939 §8): a lease in the store, named
 * `pop3:<accountId>`, held by one session, renewed on a timer while the session lives and
 * released when it ends (QUIT, drop, timeout). A lease rather than an in-memory lock so that
 * several Loft processes sharing one database exclude each other, and so that a crashed process
 * does not lock a user out for longer than one lease.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../core/log.ts';
import type { Pop3Services } from './services.ts';

export class MaildropLock {
  readonly name: string;
  /** Unique per session (and process), so one session never renews another's lease. */
  readonly owner = `${process.pid}:${randomUUID()}`;
  readonly #services: Pick<Pop3Services, 'lock' | 'unlock'>;
  readonly #leaseMs: number;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #held = false;

  constructor(
    services: Pick<Pop3Services, 'lock' | 'unlock'>,
    accountId: number,
    leaseMs: number,
    log: Logger,
  ) {
    this.#services = services;
    this.name = `pop3:${accountId}`;
    this.#leaseMs = leaseMs;
    this.#log = log;
  }

  /** True while this session holds the lock as far as it knows. */
  get held(): boolean {
    return this.#held;
  }

  /**
   * Takes the lock and starts renewing it; false when another session holds it.
   * Rejects (domain error) when the store fails.
   */
  async acquire(): Promise<boolean> {
    this.#held = await this.#services.lock(this.name, this.owner, this.#leaseMs);
    if (this.#held) {
      this.#timer = setInterval(() => void this.#renewQuietly(), Math.max(1, Math.floor(this.#leaseMs / 3)));
      this.#timer.unref();
    }
    return this.#held;
  }

  /**
   * Renews the lease now and reports whether this session still holds the lock (UPDATE state
   * checks it before removing anything). Store errors count as not holding it.
   */
  async confirm(): Promise<boolean> {
    if (!this.#held) return false;
    try {
      this.#held = await this.#services.lock(this.name, this.owner, this.#leaseMs);
    } catch (err) {
      this.#log.warn({ event: 'pop3.lock.failed', err }, 'renewing the maildrop lock failed');
      return false;
    }
    if (!this.#held) this.#stop();
    return this.#held;
  }

  async #renewQuietly(): Promise<void> {
    try {
      const held = await this.#services.lock(this.name, this.owner, this.#leaseMs);
      if (!held && this.#held) {
        this.#log.warn({ event: 'pop3.lock.lost' }, 'the maildrop lock was taken over');
        this.#held = false;
        this.#stop();
      }
    } catch (err) {
      // The lease may still be valid; `confirm` decides before anything is removed.
      this.#log.warn({ event: 'pop3.lock.failed', err }, 'renewing the maildrop lock failed');
    }
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Stops renewing and releases the lock (errors are logged: the lease then simply expires). */
  async release(): Promise<void> {
    this.#stop();
    if (!this.#held) return;
    this.#held = false;
    await this.#services.unlock(this.name, this.owner).catch((err: unknown) => {
      this.#log.warn({ event: 'pop3.lock.failed', err }, 'releasing the maildrop lock failed');
    });
  }
}
