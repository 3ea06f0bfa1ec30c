/**
 * The storage a Loft of the benchmarks runs on: SQLite in its data folder (`loft`), or a fresh
 * schema of the PostgreSQL database given with `--postgres` (`loft-pg`), dropped at the end.
 */
import type { LoftServerName } from './loft-names.ts';
import { BenchSchema } from './postgres.ts';

export interface LoftBackend {
  name: LoftServerName;
  /** Loft's `storage` URL; undefined for SQLite in the data folder. */
  storage: string | undefined;
  /** The PostgreSQL server's version; undefined for SQLite. */
  postgresVersion: string | undefined;
  /** Where the data lives, for the log: "SQLite" or "PostgreSQL 15.8, schema loft_bench_…". */
  description: string;
  /** Drops the PostgreSQL schema (SQLite's database goes with the temporary folder). Safe to call twice. */
  drop(): Promise<void>;
}

/** Prepares `name`'s storage; rejects when the PostgreSQL database does not answer. */
export async function prepareBackend(name: LoftServerName, postgres: string): Promise<LoftBackend> {
  if (name === 'loft') {
    return {
      name,
      storage: undefined,
      postgresVersion: undefined,
      description: 'SQLite',
      drop: async () => undefined,
    };
  }
  const schema = await BenchSchema.create(postgres);
  let dropping: Promise<void> | undefined;
  return {
    name,
    storage: schema.storage,
    postgresVersion: schema.serverVersion,
    description: `PostgreSQL ${schema.serverVersion}, schema ${schema.name}`,
    drop: () => {
      dropping ??= schema.drop();
      return dropping;
    },
  };
}
