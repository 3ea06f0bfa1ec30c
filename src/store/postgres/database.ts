/**
 * Connecting to PostgreSQL (pg): a pool of connections, transactions, migrations, and the
 * mapping of PostgreSQL failures to Loft's domain errors (never a driver error past the store).
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { LoftError } from '../../core/errors.ts';
import { POSTGRES_MIGRATIONS } from './migrations.ts';

/** What queries run on: the pool, or one client inside a transaction. */
export interface Queryable {
  /**
   * Runs one statement, prepared once per connection unless `prepare` is false (for statements
   * whose text varies, or whose best plan depends on the values, as pattern searches). With
   * `binary`, rows come in PostgreSQL's binary format: a bytea arrives as its bytes instead of
   * hex text twice its size to decode (only for text and bytea columns: see TYPES).
   */
  query<R extends pg.QueryResultRow = Row>(
    sql: string,
    params?: unknown[],
    options?: QueryOptions,
  ): Promise<pg.QueryResult<R>>;
}

export interface QueryOptions {
  prepare?: boolean;
  binary?: boolean;
}

export type Row = Record<string, unknown>;

/**
 * int8 and numeric arrive as numbers: Loft's counters stay far below 2^53. In the binary format
 * (QueryOptions.binary) a bytea is its bytes as they came.
 */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 17 && format === 'binary') return (value: Buffer) => value;
    if (oid === 20 || oid === 1700) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** Options of {@link PgDatabase.open}. */
export interface PgOptions {
  /** Tables live in this schema (created if missing); default `public`. Tests use one each. */
  schema?: string;
  /** Connections in the pool (default 10). */
  max?: number;
}

/**
 * A statement PostgreSQL parses and plans once per connection and then only executes (a named
 * prepared statement, named after its text): Loft runs a few dozen statements over and over, so
 * this saves the server much of its CPU per statement. Past {@link MAX_PREPARED} texts (a sign of
 * texts that vary), statements run unprepared.
 */
function statement(
  sql: string,
  params: unknown[] | undefined,
  options: QueryOptions | undefined,
): pg.QueryConfig<unknown[]> {
  const base = { text: sql, values: params ?? [], ...(options?.binary ? { binary: true } : {}) };
  if (options?.prepare === false) return base;
  let name = names.get(sql);
  if (name === undefined) {
    if (names.size >= MAX_PREPARED) return base;
    name = `loft_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    names.set(sql, name);
  }
  return { name, ...base };
}
const MAX_PREPARED = 200;
const names = new Map<string, string>();

export class PgDatabase implements Queryable {
  readonly pool: pg.Pool;
  readonly schema: string;

  private constructor(pool: pg.Pool, schema: string) {
    this.pool = pool;
    this.schema = schema;
  }

  /** Connects, creates the schema if needed and applies missing migrations. */
  static async open(url: string, options: PgOptions = {}): Promise<PgDatabase> {
    const schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new LoftError('INVALID', `bad schema name ${schema}`);
    const max = options.max ?? 10;
    const pool = new pg.Pool({
      connectionString: url,
      max,
      // Connections above these two close after 10 s idle; these stay, so that the first command
      // after a quiet spell does not wait for a new connection and its statements' planning.
      min: Math.min(2, max),
      types: TYPES,
      // Every connection sees Loft's tables first, and public's (pg_trgm) after them.
      options: `-c search_path=${schema},public`,
    });
    // A connection that breaks while idle must not crash the process: the pool drops it.
    pool.on('error', () => {});
    const db = new PgDatabase(pool, schema);
    try {
      await db.#migrate();
    } catch (err) {
      await pool.end().catch(() => {});
      throw mapPgError(err, 'opening the database');
    }
    return db;
  }

  query<R extends pg.QueryResultRow = Row>(
    sql: string,
    params?: unknown[],
    options?: QueryOptions,
  ): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(statement(sql, params, options));
  }

  /** Runs `fn` in a transaction on one connection, mapping failures to domain errors. */
  async tx<T>(what: string, fn: (client: Queryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw mapPgError(err, what);
    }
    // A connection that dies while checked out emits 'error' on the client: without a listener
    // that would end the process. The failing query rejects too, and is handled below.
    let broken: unknown;
    const onError = (err: unknown): void => {
      broken = err;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await fn({
        query: <R extends pg.QueryResultRow = Row>(sql: string, params?: unknown[], options?: QueryOptions) =>
          client.query<R>(statement(sql, params, options)),
      });
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw mapPgError(broken ?? err, what);
    } finally {
      client.off('error', onError);
      // A broken connection is dropped, not returned to the pool.
      client.release(broken !== undefined);
    }
  }

  /** Runs one read, mapping failures to domain errors. */
  async read<T>(what: string, fn: (db: Queryable) => Promise<T>): Promise<T> {
    try {
      return await fn(this);
    } catch (err) {
      throw mapPgError(err, what);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async #migrate(): Promise<void> {
    const client = await this.pool.connect();
    const onError = (): void => {};
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      // One process migrates at a time; the others wait here, then find nothing to do.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('loft-migrate'))");
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public');
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at BIGINT NOT NULL)',
      );
      const row = (await client.query('SELECT max(version) AS v FROM schema_version')).rows[0] as Row;
      const current = (row.v as number | null) ?? 0;
      if (current > POSTGRES_MIGRATIONS.length) {
        throw new LoftError('PERM', `database schema version ${current} is newer than this Loft knows`);
      }
      for (let version = current; version < POSTGRES_MIGRATIONS.length; version++) {
        await client.query(POSTGRES_MIGRATIONS[version]!);
        await client.query('INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)', [
          version + 1,
          Date.now(),
        ]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.off('error', onError);
      client.release();
    }
  }
}

/** PostgreSQL error classes (SQLSTATE) → Loft's domain errors. */
export function mapPgError(err: unknown, what: string): LoftError {
  if (err instanceof LoftError) return err;
  const code = (err as { code?: string }).code ?? '';
  const message = (err as Error)?.message ?? String(err);
  if (code === '23505') return new LoftError('EXISTS', `${what}: already exists`, { cause: err });
  if (code === '53100')
    return new LoftError('NOSPACE', `${what}: the database is out of disk space`, { cause: err });
  // Connection failures, shutdown, serialization and deadlock: worth trying again.
  if (/^(08|53|57P|40|55P03)/.test(code) || /ECONNREFUSED|ECONNRESET|terminat|Connection/i.test(message)) {
    return new LoftError('TEMP', `${what}: database unavailable (${message})`, { cause: err });
  }
  return new LoftError('INTERNAL', `${what}: ${message}`, { cause: err });
}
