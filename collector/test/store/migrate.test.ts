// The schema the migrations build, as a normalised catalog dump checked into the repository: a
// change to a migration shows up as a diff of schema.snapshot.sql in review, and a store of either
// kind that builds anything else fails here (after a deliberate change, `npx vitest run --project
// collector <this file> --update` rewrites the snapshot). Then stores migrated by the chain the baseline replaced: a complete
// history is carried over without running the baseline (only the migrations after it run), a partial
// one is refused with what to do.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.ts';
import { applyMigrations, readMigrations } from '../../src/store/migrate.ts';
import { BASELINE_LAST_VERSION, SQUASHED_MIGRATIONS } from '../../src/store/migration-baseline.ts';
import { openDatabase } from '../../src/store/open-database.ts';
import { dumpSchema } from '../support/schema-catalog.ts';
import { dropSchema, STORE_KINDS, uniqueSchema } from '../support/test-database.ts';

describe.each(STORE_KINDS)('migrations on %s', (kind) => {
  // a name of its own on both stores, so the dump's `:schema` stands only for the schema's name
  const schema = uniqueSchema();
  const url = kind === 'postgres' ? process.env.TEST_DATABASE_URL : undefined;
  let db: Database;

  beforeAll(async () => {
    db = await openDatabase({ databaseUrl: url, schema, poolSize: 2 });
  });
  afterAll(async () => {
    await db?.close();
    if (url) await dropSchema(url, schema);
  });

  it('build the checked-in schema snapshot', async () => {
    await expect(await dumpSchema(db, schema)).toMatchFileSnapshot('./schema.snapshot.sql');
  });

  const history = async (of = schema) =>
    (await db.query<{ name: string }>(`SELECT name FROM ${of}.migrations ORDER BY version`)).rows.map(
      (r) => r.name,
    );
  /** A dump as the schema's own collector sees it (names in other schemas come out qualified). */
  const dumpOnPath = (of: string) =>
    db.transaction(async (tx) => {
      await tx.query(`SET LOCAL search_path TO ${of}`);
      return dumpSchema(tx, of);
    });
  /** The bookkeeping a store has after the former chain: the baseline's schema, the former names. */
  const rewriteHistory = async (names: readonly string[], of = schema) => {
    await db.query(`DELETE FROM ${of}.migrations`);
    for (const name of names) {
      await db.query(`INSERT INTO ${of}.migrations (version, name) VALUES ($1, $2)`, [
        Number(name.slice(0, 4)),
        name,
      ]);
    }
  };

  it('records the baseline for a complete former history and runs only what came after it', async () => {
    // the former chain built what the baseline builds, so such a store is the baseline's schema
    const all = await readMigrations();
    const baseline = all.filter((m) => m.version <= BASELINE_LAST_VERSION);
    const later = all.filter((m) => m.version > BASELINE_LAST_VERSION).map((m) => m.name);
    expect(baseline.length).toBeGreaterThan(0);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'baseline-'));
    const former = uniqueSchema();
    try {
      for (const m of baseline) await fs.writeFile(path.join(dir, `${m.name}.sql`), m.sql);
      await applyMigrations(db, former, dir);
      await db.query(
        `INSERT INTO ${former}.dead_letters (endpoint, reason, message, raw, body_length, body_sha256) VALUES ('/v1/events', 'kept', 'kept', 'x', 1, '\\x00')`,
      );
      await rewriteHistory(SQUASHED_MIGRATIONS, former);

      // two collectors starting at once: one rewrites the history, the other finds it done
      const results = await Promise.all([applyMigrations(db, former), applyMigrations(db, former)]);
      expect(results.flat().sort()).toEqual(later);
      expect(await history(former)).toEqual(all.map((m) => m.name));
      expect(await dumpOnPath(former)).toBe(await dumpOnPath(schema));
      const { rows } = await db.query(`SELECT 1 FROM ${former}.dead_letters WHERE reason = 'kept'`);
      expect(rows).toHaveLength(1);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
      await db.query(`DROP SCHEMA ${former} CASCADE`);
    }
  });

  it('refuses a partial former history, naming what is missing and the release to run', async () => {
    await rewriteHistory(SQUASHED_MIGRATIONS.slice(0, -2));
    const apply = applyMigrations(db, schema);
    await expect(apply).rejects.toThrow(
      /lacks 0075_dead_letter_bounds, 0080_bill_import_chunks: start the previous release/,
    );
    await expect(apply).rejects.toMatchObject({ name: 'PartialHistoryError' });
    expect(await history()).toEqual(SQUASHED_MIGRATIONS.slice(0, -2));
  });
});
