// The stores the outbox tests run on: embedded PGlite always, and real PostgreSQL when
// TEST_DATABASE_URL is set, as for every other store test. Each PostgreSQL test gets its own schema,
// dropped afterwards.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import pg from 'pg';
import type { Database } from '../../src/store/database.ts';
import { openDatabase } from '../../src/store/open-database.ts';
import { openEmbeddedTestDatabase, templateDataDir } from '../support/pglite-template.ts';

export interface DurableStore {
  db: Database;
  /** Closes the current handle and opens the same data again, as a restarted process would. */
  reopen(): Promise<Database>;
}

export interface StoreHarness {
  name: 'pglite' | 'postgres';
  /** An empty outbox; close it when done. */
  open(): Promise<Database>;
  openDurable(): Promise<DurableStore>;
  dispose(): Promise<void>;
}

function postgresHarness(url: string): StoreHarness {
  const schemas: string[] = [];
  const freshSchema = () => {
    const schema = `notify_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    return schema;
  };
  return {
    name: 'postgres',
    open: () => openDatabase({ databaseUrl: url, schema: freshSchema(), poolSize: 4 }),
    async openDurable() {
      const schema = freshSchema();
      const store: DurableStore = {
        db: await openDatabase({ databaseUrl: url, schema, poolSize: 4 }),
        async reopen() {
          await store.db.close();
          store.db = await openDatabase({ databaseUrl: url, schema, poolSize: 4 });
          return store.db;
        },
      };
      return store;
    },
    async dispose() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}

function pgliteHarness(): StoreHarness {
  const dirs: string[] = [];
  // A new PGlite costs seconds; tests share one in-memory instance and start from an empty outbox.
  let shared: Promise<Database> | undefined;
  return {
    name: 'pglite',
    async open() {
      shared ??= openEmbeddedTestDatabase();
      const db = await shared;
      await db.query('DELETE FROM notification_outbox');
      return {
        mode: db.mode,
        query: <R>(text: string, values?: readonly unknown[]) => db.query<R>(text, values),
        transaction: <T>(fn: Parameters<Database['transaction']>[0]) => db.transaction(fn) as Promise<T>,
        close: async () => {},
      };
    },
    async openDurable() {
      const dataDir = await templateDataDir('op-notify-');
      dirs.push(dataDir);
      const store: DurableStore = {
        db: await openDatabase({ databaseUrl: undefined, schema: 'orderpulse', dataDir }),
        async reopen() {
          await store.db.close();
          store.db = await openDatabase({ databaseUrl: undefined, schema: 'orderpulse', dataDir });
          return store.db;
        },
      };
      return store;
    },
    async dispose() {
      if (shared) await (await shared).close();
      for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export async function outboxStores(): Promise<StoreHarness[]> {
  const url = process.env.TEST_DATABASE_URL;
  return url ? [pgliteHarness(), postgresHarness(url)] : [pgliteHarness()];
}
