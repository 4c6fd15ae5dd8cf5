// The tests' in-memory embedded stores start from a template instead of running initdb each (see
// test-database.ts); the global setup pglite-template-setup.ts builds it.
import { openAsBlob } from 'node:fs';
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
