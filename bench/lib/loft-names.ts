/**
 * Loft's two storage backends as servers of the benchmarks: `loft` on SQLite in its data folder
 * (the default), `loft-pg` on PostgreSQL (a schema of its own per run). Both are the same
 * `loft serve` process; only `storage` differs.
 */

export const LOFT_SERVERS = ['loft', 'loft-pg'] as const;
export type LoftServerName = (typeof LOFT_SERVERS)[number];

/** Whether a server name is one of Loft's backends. */
export function isLoft(name: string): name is LoftServerName {
  return (LOFT_SERVERS as readonly string[]).includes(name);
}

/** How the reports name each server in their target lines. */
export const SERVER_TITLES: Record<string, string> = {
  loft: 'Loft',
  'loft-pg': 'Loft on PostgreSQL',
  dovecot: 'Dovecot',
  postfix: 'Postfix',
};

/** The legend printed under a table that has `loft-pg` rows. */
export const BACKEND_LEGEND =
  "loft: Loft on SQLite (its default); loft-pg: Loft on PostgreSQL, its CPU time counting the database's backends serving it, its memory Loft's process alone";
