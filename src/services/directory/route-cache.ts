/**
 * Routes found recently, reused for a short while. Under load most messages go to the same few
 * addresses, and on SQLite each lookup follows another connection's commit, which makes SQLite
 * read the pages again (about 70 µs of the event loop per message at c=50, a quarter of the
 * work of accepting a 5 KB message). Only found routes are kept: an address that was unknown is
 * looked up every time, so a user or alias added elsewhere (the `loft` command) is known at once;
 * a change elsewhere to an address already routed applies within `ttlMs`, as with the caches of
 * Postfix's lookup tables. Changes made through the directory forget every route at once.
 */
import type { Route } from './directory.ts';

/** How long a found route is reused. */
export const ROUTE_TTL_MS = 1000;
/** Routes kept at most (the oldest go first). */
const MAX_ROUTES = 10_000;

export class RouteCache {
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #routes = new Map<string, { route: Route; until: number }>();
  #generation = 0;

  constructor(options: { ttlMs?: number; now?: () => number } = {}) {
    this.#ttlMs = options.ttlMs ?? ROUTE_TTL_MS;
    // A monotonic clock: a step of the wall clock must not keep routes longer.
    this.#now = options.now ?? (() => performance.now());
  }

  /** The route of a normalized address, a copy of its own, while it is fresh. */
  get(address: string): Route | undefined {
    const entry = this.#routes.get(address);
    if (!entry) return undefined;
    if (entry.until <= this.#now()) {
      this.#routes.delete(address);
      return undefined;
    }
    return copy(entry.route);
  }

  /** Changes with every {@link clear}: a route looked up across a change is not remembered. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Remembers a found route (an unknown address is never remembered), unless the directory
   * changed since `generation` was read, before the lookup.
   */
  set(address: string, route: Route, generation: number): void {
    if (route.kind === 'unknown' || this.#ttlMs <= 0 || generation !== this.#generation) return;
    this.#routes.delete(address);
    this.#routes.set(address, { route: copy(route), until: this.#now() + this.#ttlMs });
    if (this.#routes.size > MAX_ROUTES) this.#routes.delete(this.#routes.keys().next().value!);
  }

  clear(): void {
    this.#generation++;
    this.#routes.clear();
  }
}

function copy(route: Route): Route {
  if (route.kind !== 'local') return route;
  const { accounts, remote, inboxes } = route.resolution;
  return {
    kind: 'local',
    resolution: { accounts: [...accounts], remote: [...remote], inboxes: new Map(inboxes) },
  };
}
