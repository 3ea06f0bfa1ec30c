/**
 * Routes looked up while the directory stayed as it is (Store.directoryVersion). Under load most
 * messages go to the same few addresses, and on SQLite each lookup follows another connection's
 * commit, which makes SQLite read every page it needs again: about 70 µs of the event loop per
 * message at c=50, a quarter of the work of accepting a 5 KB message, against a few µs for
 * reading the version. Any change of domains, accounts, aliases or mailbox names, by this
 * process or another (the `loft` command), raises the version, and the routes looked up before
 * are not used again.
 */
import type { Route } from './directory.ts';

/** Routes kept at most (the oldest go first). */
const MAX_ROUTES = 10_000;

export class RouteCache {
  readonly #routes = new Map<string, { route: Route; version: number }>();

  /** The route of a normalized address looked up at `version`, a copy of its own. */
  get(address: string, version: number): Route | undefined {
    const entry = this.#routes.get(address);
    if (!entry) return undefined;
    if (entry.version !== version) {
      this.#routes.delete(address);
      return undefined;
    }
    return copy(entry.route);
  }

  /** Remembers a route looked up after the directory's version was read as `version`. */
  set(address: string, route: Route, version: number): void {
    this.#routes.delete(address);
    this.#routes.set(address, { route: copy(route), version });
    if (this.#routes.size > MAX_ROUTES) this.#routes.delete(this.#routes.keys().next().value!);
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
