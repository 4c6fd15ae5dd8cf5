// Stores for tests: PGlite always; real PostgreSQL when TEST_DATABASE_URL is set, each test file
// in a schema of its own (so files run in parallel and reruns start clean).
//
// A new in-memory PGlite spends seconds of CPU in initdb, and nearly every test file opens one: the
// suite runs initdb and the migrations once (pglite-template-setup.ts, a global setup) and each
// in-memory store starts from a copy of that migrated data directory. A store on a data directory is
// opened exactly as production opens it; so is every store in store/migrate.test.ts, which checks the
// migrations from scratch. In the collector project a worker keeps the stores its files are done with
// for its next files, made as new again (store-pool.ts).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../src/store/database.ts';
import { openDatabase } from '../../src/store/open-database.ts';
import { openEmbeddedTestDatabase } from './pglite-template.ts';
import { keepingStores, openKeptEmbedded, openKeptSchema } from './store-pool.ts';

export type StoreKind = 'pglite' | 'postgres';

export const STORE_KINDS: StoreKind[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase {
  db: Database;
  schema: string;
  url: string | undefined;
  /** Closes the store and drops the schema (or, where stores are kept, hands it back). */
  dispose(): Promise<void>;
}

export const uniqueSchema = () => `t_${randomBytes(6).toString('hex')}`;

export async function openTestDatabase(
  kind: StoreKind,
  options: { dataDir?: string } = {},
): Promise<TestDatabase> {
  const run = keepingStores();
  if (kind === 'pglite') {
    if (run && !options.dataDir) return { ...(await openKeptEmbedded()), url: undefined };
    const db = options.dataDir
      ? await openDatabase({ databaseUrl: undefined, schema: 'orderpulse', dataDir: options.dataDir })
      : await openEmbeddedTestDatabase();
    return { db, schema: 'orderpulse', url: undefined, dispose: () => db.close() };
  }
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set');
  if (run) return { ...(await openKeptSchema(url, run)), url };
  const schema = uniqueSchema();
  const db = await openDatabase({ databaseUrl: url, schema });
  return {
    db,
    schema,
    url,
    dispose: async () => {
      await db.close();
      await dropSchema(url, schema);
    },
  };
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
