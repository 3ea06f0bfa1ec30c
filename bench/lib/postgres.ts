/**
 * Loft on PostgreSQL in the benchmarks: a schema of its own per run (Loft creates it on first
 * use; the benchmark drops it at the end), the storage URL that points Loft at it, and the
 * database's version for the report.
 *
 * The storage URL also sets `application_name` to the schema's name, so that the benchmark can
 * find the backends serving Loft in `pg_stat_activity` and count their CPU (bench/lib/pg-backends.ts).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The database of the benchmarks unless `--postgres` names another (the tests' local one). */
export const DEFAULT_POSTGRES = 'postgres://root@127.0.0.1:5432/test';

/** `database` with `schema` and `application_name` (both the schema's name) as Loft reads them. */
export function storageUrl(database: string, schema: string): string {
  const url = new URL(database);
  url.searchParams.set('schema', schema);
  url.searchParams.set('application_name', schema);
  return url.toString();
}

/** The database URL and schema of a storage URL made by {@link storageUrl}, for the benchmark's own connections. */
export function splitStorageUrl(storage: string): { database: string; schema: string } {
  const url = new URL(storage);
  const schema = url.searchParams.get('schema') ?? 'public';
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema name ${schema}`);
  url.searchParams.delete('schema');
  url.searchParams.delete('application_name');
  return { database: url.toString(), schema };
}

/** A client of the benchmark itself (named so that it is never counted as Loft's). */
export function benchClient(database: string): pg.Client {
  return new pg.Client({ connectionString: database, application_name: 'loft-bench' });
}

/** A schema of one benchmark run. */
export class BenchSchema {
  readonly database: string;
  readonly name: string;
  /** The PostgreSQL server's version (`server_version`). */
  readonly serverVersion: string;

  private constructor(database: string, name: string, serverVersion: string) {
    this.database = database;
    this.name = name;
    this.serverVersion = serverVersion;
  }

  /** Picks a fresh schema name and checks that the database answers; rejects when it does not. */
  static async create(database: string, prefix = 'loft_bench'): Promise<BenchSchema> {
    const client = benchClient(database);
    client.on('error', () => {});
    try {
      await client.connect();
      const { rows } = await client.query('SHOW server_version');
      const version = String((rows[0] as { server_version?: string } | undefined)?.server_version ?? '?');
      return new BenchSchema(database, `${prefix}_${randomBytes(5).toString('hex')}`, version);
    } finally {
      await client.end().catch(() => {});
    }
  }

  /** The URL for Loft's `storage` (config or `--storage`). */
  get storage(): string {
    return storageUrl(this.database, this.name);
  }

  /** Drops the schema and everything in it. */
  async drop(): Promise<void> {
    const client = benchClient(this.database);
    client.on('error', () => {});
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${this.name} CASCADE`);
    } finally {
      await client.end().catch(() => {});
    }
  }
}
