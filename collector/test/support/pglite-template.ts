// The tests' in-memory embedded stores start from a template instead of running initdb each (see
// test-database.ts); the global setup pglite-template-setup.ts builds it.
import { execFile } from 'node:child_process';
import { openAsBlob } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { inject } from 'vitest';
import type { Database } from '../../src/store/database.ts';
import { embeddedDatabase } from '../../src/store/open-database.ts';
import { START_PARAMS, TEMPLATE_SCHEMA } from './pglite-template-setup.ts';

let tarball: Promise<Blob> | undefined;

/**
 * An in-memory PGlite started as the embedded store starts it, on a copy of the template's data
 * directory (a migrated `orderpulse` schema). Under a config without the global setup it is a new
 * cluster, as in production.
 */
export async function createTemplateLite(): Promise<PGlite> {
  const file = inject('pgliteTemplate');
  if (!file) return PGlite.create(undefined, { startParams: START_PARAMS });
  tarball ??= openAsBlob(file);
  return PGlite.create(undefined, { startParams: START_PARAMS, loadDataDir: await tarball });
}

/**
 * An in-memory embedded store as `openDatabase({ databaseUrl: undefined, schema })` opens it, on a
 * copy of the template; then migrated as production does (for the template's schema nothing is left
 * to apply).
 */
export async function openEmbeddedTestDatabase(schema = TEMPLATE_SCHEMA): Promise<Database> {
  return embeddedDatabase(await createTemplateLite(), schema);
}

/**
 * A new data directory (in the system's temporary folder, for `openDatabase({ dataDir })` or
 * `ORDERPULSE_DATA_DIR`) holding a copy of the template: the store opens it as it opens one it
 * created before (a restart), without initdb. For tests of what happens after first start (restarts,
 * kills, reopening); a test of first start itself gives a new, empty directory. Under a config
 * without the global setup the directory is empty and the store is created as in production.
 */
export async function templateDataDir(prefix: string): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  const file = inject('pgliteTemplate');
  if (!file) return root;
  // The layout openDatabase uses: the cluster under <dataDir>/pgdata.
  const pgdata = path.join(root, 'pgdata');
  await fs.mkdir(pgdata, { mode: 0o700 });
  await promisify(execFile)('tar', ['-xf', file, '-C', pgdata]);
  return root;
}
