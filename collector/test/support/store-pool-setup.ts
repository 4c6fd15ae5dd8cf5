// Global setup of the collector project: names this run for the stores kept between its files
// (store-pool.ts), and drops the PostgreSQL schemas still kept when the run ends. Under an isolated
// run (every file its own module graph) nothing is kept: there is no next file to keep a store for.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's name for kept stores; empty when stores are not kept. */
    storePool: string;
  }
}

/** The schema names of kept PostgreSQL stores of a run. */
export const keptSchemaPrefix = (run: string) => `tp_${run}_`;

export default function setup(project: TestProject): (() => Promise<void>) | undefined {
  if (project.config.isolate) {
    project.provide('storePool', '');
    return undefined;
  }
  const run = randomBytes(4).toString('hex');
  project.provide('storePool', run);
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return undefined;
  return async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ nspname: string }>(
        'SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)',
        [keptSchemaPrefix(run)],
      );
      for (const { nspname } of rows) await client.query(`DROP SCHEMA IF EXISTS ${nspname} CASCADE`);
    } finally {
      await client.end();
    }
  };
}
