// Test stores kept between the files of a worker. The collector project's files share a worker's
// module graph (isolate: false in vitest.config.ts), so a store one file has finished with can serve
// the worker's next file instead of a new one being made: an in-memory PGlite from the template costs
// one to three seconds and a migrated PostgreSQL schema about one, and about a hundred files open one
// of each. A store is kept only once it is as new again (store-reset.ts); one that cannot be is
// closed or dropped, as every store was before. A kept store is opened again the way a new one is
// (embeddedDatabase over the PGlite, openDatabase on the schema: migrations checked, nothing to apply).
import { randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { inject } from 'vitest';
import type { Database } from '../../src/store/database.ts';
import { embeddedDatabase, openDatabase } from '../../src/store/open-database.ts';
import { createTemplateLite } from './pglite-template.ts';
import { TEMPLATE_SCHEMA } from './pglite-template-setup.ts';
import { keptSchemaPrefix } from './store-pool-setup.ts';
import { clusterOf, type Run, recordState, resetToState, type StoreState } from './store-reset.ts';

/** At most this many idle stores of each kind per worker (a PGlite holds its WASM heap). */
const KEEP = 2;

interface KeptLite {
  lite: PGlite;
  state: StoreState;
  cluster: { schemas: string[]; digest: string };
}
interface KeptSchema {
  schema: string;
  state: StoreState;
}

const idleLites: KeptLite[] = [];
const idleSchemas: KeptSchema[] = [];
/** Stores being made as new again; a store is taken only after they are done. */
const returning = new Set<Promise<void>>();

export interface PooledStore {
  db: Database;
  schema: string;
  dispose(): Promise<void>;
}

/** The run's name when stores are kept between files (the collector project), else undefined. */
export function keepingStores(): string | undefined {
  return inject('storePool') || undefined;
}

function returnLater(work: () => Promise<void>): Promise<void> {
  const done: Promise<void> = work().finally(() => returning.delete(done));
  returning.add(done);
  return done;
}

const runOnLite =
  (lite: PGlite): Run =>
  async (sql, params) =>
    (await lite.query<Record<string, unknown>>(sql, params)).rows;

const runOnClient =
  (client: pg.Client): Run =>
  async (sql, params) =>
    (await client.query(sql, params)).rows;

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * An in-memory embedded store: a kept PGlite made as new, or a new one from the template. The store
 * gets a view of the PGlite whose close() hands it back; after that the view refuses every query, as
 * a closed PGlite does, so a query a test left running cannot reach the next file's store.
 */
export async function openKeptEmbedded(): Promise<PooledStore> {
  await Promise.all(returning);
  const kept = idleLites.pop() ?? (await newKeptLite());
  let closed = false;
  const open = () => {
    if (closed) throw new Error('PGlite is closed');
    return kept.lite;
  };
  const view = {
    get waitReady() {
      return kept.lite.waitReady;
    },
    get closed() {
      return closed;
    },
    exec: (...args: Parameters<PGlite['exec']>) => open().exec(...args),
    query: (...args: Parameters<PGlite['query']>) => open().query(...args),
    execProtocolStream: (...args: Parameters<PGlite['execProtocolStream']>) =>
      open().execProtocolStream(...args),
    close: async () => {
      if (closed) return;
      closed = true;
      await returnLater(() => giveBackLite(kept));
    },
  };
  const db = await embeddedDatabase(view as unknown as PGlite, TEMPLATE_SCHEMA);
  return { db, schema: TEMPLATE_SCHEMA, dispose: () => db.close() };
}

/**
 * A PGlite from the template, its state recorded before the store sets its search path (the
 * definitions read back name their schemas as they will after DISCARD ALL).
 */
async function newKeptLite(): Promise<KeptLite> {
  const lite = await createTemplateLite();
  const run = runOnLite(lite);
  const cluster = await clusterOf(run);
  return { lite, cluster, state: await recordState(run, cluster.schemas) };
}

async function giveBackLite(kept: KeptLite): Promise<void> {
  let asNew = false;
  if (idleLites.length < KEEP) {
    try {
      const run = runOnLite(kept.lite);
      // A transaction left open, then the session's settings, prepared statements, temporary
      // tables, listeners, advisory locks and cached plans.
      await kept.lite.exec('ROLLBACK');
      await kept.lite.exec('DISCARD ALL');
      const cluster = await clusterOf(run);
      asNew =
        cluster.digest === kept.cluster.digest &&
        cluster.schemas.join() === kept.cluster.schemas.join() &&
        (await resetToState(run, cluster.schemas, kept.state));
    } catch {
      asNew = false;
    }
  }
  if (asNew) idleLites.push(kept);
  else if (!kept.lite.closed) await kept.lite.close();
}

/** A PostgreSQL store: a kept schema made as new, or a new one; migrated by openDatabase. */
export async function openKeptSchema(url: string, run: string): Promise<PooledStore> {
  await Promise.all(returning);
  const kept = idleSchemas.pop();
  const schema = kept?.schema ?? `${keptSchemaPrefix(run)}${randomBytes(6).toString('hex')}`;
  const db = await openDatabase({ databaseUrl: url, schema });
  const state =
    kept?.state ?? (await withClient(url, (client) => recordState(runOnClient(client), [schema])));
  let given = false;
  return {
    db,
    schema,
    async dispose() {
      await db.close();
      if (given) return;
      given = true;
      await returnLater(() => giveBackSchema(url, { schema, state }));
    },
  };
}

async function giveBackSchema(url: string, kept: KeptSchema): Promise<void> {
  const asNew =
    idleSchemas.length < KEEP &&
    (await withClient(url, async (client) => {
      // A session the test left holding a lock on a table: give the schema up rather than wait.
      await client.query("SET lock_timeout = '10s'");
      return resetToState(runOnClient(client), [kept.schema], kept.state);
    }).catch(() => false));
  if (asNew) idleSchemas.push(kept);
  else await withClient(url, (client) => client.query(`DROP SCHEMA IF EXISTS ${kept.schema} CASCADE`));
}
