/**
 * The PostgreSQL server of the tests: 127.0.0.1:5432, trust auth, database `test` (`.ci/run`
 * starts it when it is down). Each test works in a schema of its own and drops it after.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.LOFT_TEST_POSTGRES ?? 'postgres://root@127.0.0.1:5432/test';

/** A fresh schema name for one test. */
export function testSchema(prefix = 'loft_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
