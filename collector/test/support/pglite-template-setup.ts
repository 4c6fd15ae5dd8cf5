// Global setup: the template the tests' in-memory embedded stores start from (test-database.ts says
// why). One in-memory PGlite is created and migrated exactly as openDatabase does, and its data
// directory saved as a tarball whose path the tests get through inject('pgliteTemplate').
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { EMBEDDED_SETTINGS, embeddedDatabase } from '../../src/store/open-database.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The tarball of a migrated embedded store's data directory, for stores that start from it. */
    pgliteTemplate: string;
  }
}

export const TEMPLATE_SCHEMA = 'orderpulse';
export const START_PARAMS = [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS];
const STORE_SOURCES = fileURLToPath(new URL('../../src/store/', import.meta.url));

/**
 * What the template is built from: the migrations, the code that applies them and opens the store,
 * and PGlite's own version. A change to any of them builds a new one, so a stale one is never used.
 */
async function templateKey(): Promise<string> {
  const hash = createHash('sha256');
  const pgliteEntry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  hash.update(await fs.readFile(path.join(path.dirname(pgliteEntry), '../package.json')));
  const files = (await fs.readdir(STORE_SOURCES, { recursive: true })).filter((f) => /\.(ts|sql)$/.test(f));
  for (const file of files.sort()) {
    hash.update(file);
    hash.update(await fs.readFile(path.join(STORE_SOURCES, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

async function buildTemplate(file: string): Promise<void> {
  const lite = await PGlite.create(undefined, { startParams: START_PARAMS });
  const db = await embeddedDatabase(lite, TEMPLATE_SCHEMA);
  try {
    // Written out to the data files, so a copy starts without replaying the WAL.
    await lite.exec('CHECKPOINT');
    const tarball = await lite.dumpDataDir('none');
    const partial = `${file}.${process.pid}.partial`;
    await fs.writeFile(partial, Buffer.from(await tarball.arrayBuffer()));
    await fs.rename(partial, file);
  } finally {
    await db.close();
  }
}

/** Global setup: builds the template unless this version of it exists, and hands its path to the tests. */
export default async function setup(project: TestProject): Promise<void> {
  const file = path.join(os.tmpdir(), `orderpulse-pglite-template-${await templateKey()}.tar`);
  const exists = await fs.stat(file).then(
    () => true,
    () => false,
  );
  if (!exists) await buildTemplate(file);
  project.provide('pgliteTemplate', file);
}
