// The schema the migrations build, as a normalised catalog dump checked into the repository: a
// change to a migration shows up as a diff of schema.snapshot.sql in review, and a store of either
// kind that builds anything else fails here (after a deliberate change, `npx vitest run --project
// collector <this file> --update` rewrites the snapshot). Then stores migrated by the chain the baseline replaced: a complete
// history is carried over without running anything, a partial one is refused with what to do.
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
    await expect(await dumpSchema(db, schema)).toMatchFileSnapshot('../../src/store/schema.snapshot.sql');
  });

  const history = async () =>
    (await db.query<{ name: string }>(`SELECT name FROM ${schema}.migrations ORDER BY version`)).rows.map(
      (r) => r.name,
    );
  /**
   * The bookkeeping a store has after the former chain: the same schema, the former names. The
   * migrations after the baseline keep their rows (their tables are in the schema this store has).
   */
  const rewriteHistory = async (names: readonly string[]) => {
    await db.query(`DELETE FROM ${schema}.migrations WHERE version <= $1`, [BASELINE_LAST_VERSION]);
    for (const name of names) {
      await db.query(`INSERT INTO ${schema}.migrations (version, name) VALUES ($1, $2)`, [
        Number(name.slice(0, 4)),
        name,
      ]);
    }
  };

  it('records the baseline for a complete former history and runs none of it', async () => {
    const baseline = (await readMigrations())
      .filter((m) => m.version <= BASELINE_LAST_VERSION)
      .map((m) => m.name);
    expect(baseline.length).toBeGreaterThan(0);
    const schemaBefore = await dumpSchema(db, schema);
    await db.query(
      "INSERT INTO dead_letters (endpoint, reason, message, raw, body_length, body_sha256) VALUES ('/v1/events', 'kept', 'kept', 'x', 1, '\\x00')",
    );
    await rewriteHistory(SQUASHED_MIGRATIONS);

    // two collectors starting at once: one rewrites the history, the other finds it done
    const results = await Promise.all([applyMigrations(db, schema), applyMigrations(db, schema)]);
    expect(results).toEqual([[], []]);
    expect(await history()).toEqual((await readMigrations()).map((m) => m.name));
    expect(await history()).toEqual(expect.arrayContaining(baseline));
    expect(await dumpSchema(db, schema)).toBe(schemaBefore);
    const { rows } = await db.query("SELECT 1 FROM dead_letters WHERE reason = 'kept'");
    expect(rows).toHaveLength(1);
  });

  it('refuses a partial former history, naming what is missing and the release to run', async () => {
    await rewriteHistory(SQUASHED_MIGRATIONS.slice(0, -2));
    const apply = applyMigrations(db, schema);
    await expect(apply).rejects.toThrow(
      /lacks 0075_dead_letter_bounds, 0080_bill_import_chunks: start the previous release/,
    );
    await expect(apply).rejects.toMatchObject({ name: 'PartialHistoryError' });
    const former = new Set<string>(SQUASHED_MIGRATIONS);
    expect((await history()).filter((name) => former.has(name))).toEqual(SQUASHED_MIGRATIONS.slice(0, -2));
    expect(await history()).not.toEqual(expect.arrayContaining(['0001_ingest']));
  });
});
