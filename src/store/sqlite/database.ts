/**
 * Opening the SQLite database (node:sqlite): WAL, synchronous=FULL, foreign keys, migrations,
 * transactions, and the mapping of SQLite failures to Loft's domain errors.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { LoftError } from '../../core/errors.ts';
import { SQLITE_MIGRATIONS } from './migrations.ts';

/** The largest part of the database file read through a memory map (SQLite's default ceiling). */
const MMAP_BYTES = 2 * 1024 * 1024 * 1024;

/** The page size of a new database, in octets. */
export const PAGE_SIZE = 16 * 1024;

/**
 * Opens (creating if needed) and migrates the database at `file`.
 *
 * With `mmap`, pages are read through a memory map instead of a pread() and a copy each: bodies
 * and rows read by the hundred from a large mailbox (IMAP FETCH of 1,000 messages, POP3 RETR
 * read ahead) cost about 20% less CPU. But each read transaction after another connection's
 * commit then costs about three times as much (36 µs instead of 11 for a one-row lookup here),
 * so only a connection for such bulk reads has it; the connection for lookups and the writer's
 * do not. The mapped pages are the kernel's page cache, shared and reclaimable. An I/O error
 * while reading a mapped page ends the process (SIGBUS) instead of failing one query.
 */
export function openDatabase(
  file: string,
  options: { busyTimeoutMs?: number; mmap?: boolean } = {},
): DatabaseSync {
  mkdirSync(path.dirname(file), { recursive: true });
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(file, { timeout: options.busyTimeoutMs ?? 10_000 });
  } catch (err) {
    throw new LoftError('TEMP', `cannot open database ${file}: ${(err as Error).message}`, { cause: err });
  }
  // A new database gets 16 KB pages (an existing one keeps its own): an inline body of 100 KB is
  // 7 pages to write to the WAL and to checkpoint instead of 25, each a pwrite or two; at c=50 the
  // commit worker spent about 90 µs less per 100 KB message (A/B, four runs each).
  db.exec(`PRAGMA page_size = ${PAGE_SIZE}`);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec('PRAGMA foreign_keys = ON');
  if (options.mmap) db.exec(`PRAGMA mmap_size = ${MMAP_BYTES}`);
  migrate(db);
  return db;
}

/** Prepared statements of one connection, each compiled once per SQL text. */
export function statementCache(db: DatabaseSync): (sql: string) => StatementSync {
  const statements = new Map<string, StatementSync>();
  return (sql) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
}

function migrate(db: DatabaseSync): void {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number };
  const current = row.user_version;
  if (current > SQLITE_MIGRATIONS.length) {
    throw new LoftError('PERM', `database schema version ${current} is newer than this Loft knows`);
  }
  for (let version = current; version < SQLITE_MIGRATIONS.length; version++) {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(SQLITE_MIGRATIONS[version]!);
      db.exec(`PRAGMA user_version = ${version + 1}`);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }
}

/** Runs `fn` in an immediate transaction, mapping SQLite errors to domain errors. */
export function immediateTransaction<T>(db: DatabaseSync, what: string, fn: () => T): T {
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (err) {
    throw mapSqliteError(err, what);
  }
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (err) {
    try {
      db.exec('ROLLBACK');
    } catch {
      // already rolled back
    }
    throw mapSqliteError(err, what);
  }
}

/** What {@link inSavepoint} gives back: the value, or the failure as it crosses the worker boundary. */
export type SavepointResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: { code: LoftError['code']; message: string } };

/**
 * Runs `fn` in a savepoint of the caller's transaction: a failure undoes only what `fn` did and
 * is returned (mapped, as `what`). Throws when the failure ended the whole transaction: after
 * some errors (a full disk, I/O) SQLite rolls it back itself, and there is nothing to go back to.
 */
export function inSavepoint<T>(db: DatabaseSync, what: string, fn: () => T): SavepointResult<T> {
  db.exec('SAVEPOINT part');
  try {
    const value = fn();
    db.exec('RELEASE part');
    return { ok: true, value };
  } catch (err) {
    if (!db.isTransaction) throw err;
    db.exec('ROLLBACK TO part');
    db.exec('RELEASE part');
    const mapped = mapSqliteError(err, what);
    return { ok: false, error: { code: mapped.code, message: mapped.message } };
  }
}

/** Runs `fn` (reads outside a transaction), mapping SQLite errors to domain errors. */
export function mappingErrors<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw mapSqliteError(err, what);
  }
}

/** SQLite primary result codes we map (https://sqlite.org/rescode.html). */
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_IOERR = 10;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_CONSTRAINT = 19;

/** Turns an error thrown by node:sqlite into a LoftError with a domain code. */
export function mapSqliteError(err: unknown, what: string): LoftError {
  if (err instanceof LoftError) return err;
  const errcode = (err as { errcode?: number }).errcode;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof errcode === 'number') {
    const primary = errcode & 0xff;
    if (primary === SQLITE_FULL)
      return new LoftError('NOSPACE', `${what}: database or disk is full`, { cause: err });
    if (
      primary === SQLITE_BUSY ||
      primary === SQLITE_LOCKED ||
      primary === SQLITE_IOERR ||
      primary === SQLITE_CANTOPEN
    ) {
      return new LoftError('TEMP', `${what}: ${message}`, { cause: err });
    }
    if (primary === SQLITE_CONSTRAINT && /UNIQUE|PRIMARY KEY/.test(message)) {
      return new LoftError('EXISTS', `${what}: already exists`, { cause: err });
    }
  }
  return new LoftError('INTERNAL', `${what}: ${message}`, { cause: err });
}
