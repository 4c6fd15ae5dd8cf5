// Opens the configured store: PostgreSQL/TimescaleDB when a URL is given, else embedded PGlite.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { Database } from './database.ts';
import { applyMigrations } from './migrate.ts';
import { PoolDatabase } from './pool-database.ts';
import { privateDir, restrictTree } from './private-files.ts';

// bigint (COUNT, bigserial) as JS numbers: every such value here stays far below 2^53.
pg.types.setTypeParser(20, (value) => Number(value));

export interface OpenOptions {
  databaseUrl: string | undefined;
  schema: string;
  /** Embedded mode keeps PGlite's files under `<dataDir>/pgdata`; omit for a throwaway in-memory store. */
  dataDir?: string;
  poolSize?: number;
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 8,
      options: `-c search_path=${options.schema}`,
      connectionTimeoutMillis: 5_000,
    });
    // An idle client losing its server (database restart) must not crash the process.
    pool.on('error', () => {});
    const probe = new PoolDatabase(pool, 'postgres');
    await applyMigrations(probe, options.schema);
    const { rows } = await probe.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'timescaledb'",
    );
    return new PoolDatabase(pool, rows[0]?.n ? 'timescaledb' : 'postgres');
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const startParams = [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS];
  const root = options.dataDir;
  let dataDir: string | undefined;
  if (root) {
    dataDir = path.join(root, 'pgdata');
    await privateDir(root);
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await createCluster(dataDir, startParams);
  }
  const lite = await PGlite.create(dataDir, { startParams });
  return embeddedDatabase(lite, options.schema, async () => {
    if (root) await restrictTree(root);
  });
}

/**
 * PostgreSQL's defaults size the embedded cluster for a database server (128 MB of shared buffers,
 * touched as the WASM heap, which never shrinks). A monitoring workload writes append-mostly and reads
 * recent rows: a few MB of buffers and WAL buffers hold its working set, the OS page cache the rest.
 */
export const EMBEDDED_SETTINGS = [
  '-c',
  'shared_buffers=16MB',
  '-c',
  'wal_buffers=1MB',
  '-c',
  'temp_buffers=2MB',
  '-c',
  'maintenance_work_mem=16MB',
];

/**
 * The first start runs initdb in a second WASM instance whose hundreds of MB V8 keeps until a full GC
 * that an idle process never triggers; a short-lived child process creates the cluster instead, so that
 * memory goes back to the OS when it exits.
 */
async function createCluster(dataDir: string, startParams: string[]): Promise<void> {
  const script = `const { PGlite } = await import(${JSON.stringify(import.meta.resolve('@electric-sql/pglite'))});
const lite = await PGlite.create(process.argv[1], { startParams: JSON.parse(process.argv[2]) });
await lite.close();`;
  await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script, dataDir, JSON.stringify(startParams)],
    { timeout: 300_000 },
  );
}

/**
 * The store over an open PGlite instance, migrated; closing it closes the instance. `restrictFiles`
 * keeps the data files owner-only after PGlite wrote them (after migrating, and after closing).
 */
export async function embeddedDatabase(
  lite: PGlite,
  schema: string,
  restrictFiles: () => Promise<void> = async () => {},
): Promise<Database> {
  const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
  await lite.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema};`);
  // PGlite is a single connection: one pool slot, queries serialised.
  const pool = new pg.Pool({ ...(createPgConfig(lite) as pg.PoolConfig), max: 1 });
  const db = new PoolDatabase(
    pool,
    'embedded',
    async () => {
      if (!lite.closed) await lite.close();
      await restrictFiles();
    },
    () => lite.closed,
  );
  await applyMigrations(db, schema);
  await restrictFiles();
  return db;
}
