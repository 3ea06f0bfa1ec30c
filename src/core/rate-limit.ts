/**
 * Counting failed authentications per client IP in a sliding window, so that password guessing
 * is slowed (a delay per failure) and then refused (too many failures) across all protocols.
 */
export class FailureLimiter {
  readonly #failures = new Map<string, number[]>();
  readonly #max: number;
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(options: { max: number; windowMs: number; now?: () => number }) {
    this.#max = options.max;
    this.#windowMs = options.windowMs;
    this.#now = options.now ?? Date.now;
  }

  /** True when `key` has reached the limit of failures within the window. */
  blocked(key: string): boolean {
    return this.#recent(key).length >= this.#max;
  }

  /** Records one failure for `key`. */
  fail(key: string): void {
    const list = this.#recent(key);
    list.push(this.#now());
    this.#failures.set(key, list);
    if (this.#failures.size > 100_000) this.#prune();
  }

  #recent(key: string): number[] {
    const since = this.#now() - this.#windowMs;
    const list = (this.#failures.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, list);
    return list;
  }

  #prune(): void {
    for (const key of [...this.#failures.keys()]) this.#recent(key);
  }
}

/** Waits `ms` milliseconds, or not at all when `ms` is 0 (tests). */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Counting open sessions per key (an account), so that one user cannot hold more than `max` at
 * once (IMAP `max_connections_per_user`). {@link acquire} takes a place and returns the function
 * that gives it back (idempotent), or undefined when the key is at its limit.
 */
export class SessionCounter {
  readonly #open = new Map<string | number, number>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /** Takes a place for `key`; undefined when `key` already holds `max`. */
  acquire(key: string | number): (() => void) | undefined {
    const open = this.#open.get(key) ?? 0;
    if (open >= this.#max) return undefined;
    this.#open.set(key, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#open.get(key) ?? 1) - 1;
      if (left <= 0) this.#open.delete(key);
      else this.#open.set(key, left);
    };
  }

  /** The sessions `key` holds now. */
  count(key: string | number): number {
    return this.#open.get(key) ?? 0;
  }
}
