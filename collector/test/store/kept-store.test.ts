// A worker of the collector project keeps the stores its files are done with for its next files
// (support/store-pool.ts): such a store must be handed out as a new one is, every table a test wrote
// to empty, the migrations' rows and the sequences as they were, the schema the same, nothing left of
// the session; and a store whose shape a test changed must not be handed out again.
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.ts';
import { orderStatus } from '../support/events.ts';
import { dumpSchema } from '../support/schema-catalog.ts';
import { keepingStores } from '../support/store-pool.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

/** Rows of every table, sequences, schema and migration history: what a test could see of a store. */
async function contents(store: TestDatabase) {
  const { db } = store;
  const tables = await db.query<{ name: string }>(
    "SELECT format('%I', tablename) AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
  );
  const rows: Record<string, unknown[]> = {};
  for (const { name } of tables.rows) {
    rows[name] = (await db.query(`SELECT * FROM ${name} ORDER BY 1`)).rows.map((row) =>
      name === 'migrations' ? { ...row, applied_at: undefined } : row,
    );
  }
  const sequences = await db.query(
    'SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema() ORDER BY 1',
  );
  return { rows, sequences: sequences.rows, schema: await dumpSchema(db, store.schema) };
}

/** What the file before might have done: events through the app, alerts, sequences moved on. */
async function use(db: Database): Promise<void> {
  const app = await buildTestApp(db);
  try {
    const res = await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      payload: JSON.stringify([
        orderStatus({ order: 'K1', status: 'created', at: '2026-11-11T10:00:00Z' }),
        orderStatus({ order: 'K1', status: 'paid', at: '2026-11-11T10:01:00Z' }),
      ]),
    });
    expect(res.statusCode).toBe(202);
  } finally {
    await app.server.close();
  }
  const sequences = await db.query<{ name: string }>(
    "SELECT format('%I', sequencename) AS name FROM pg_sequences WHERE schemaname = current_schema()",
  );
  for (const { name } of sequences.rows) await db.query(`SELECT nextval('${name}')`);
}

/** Something of this store that a new store from the template does not share (see the test). */
async function identity(store: TestDatabase): Promise<string> {
  if (store.url) return store.schema;
  const { rows } = await store.db.query<{ node: string }>(
    "SELECT pg_relation_filenode('orders')::text AS node",
  );
  return rows[0]!.node;
}

describe.each(STORE_KINDS)('a store kept between files (%s)', (kind) => {
  it('is handed out again as new after a test wrote to it', async () => {
    const first = await openTestDatabase(kind);
    const asNew = await contents(first);
    const before = await identity(first);
    await use(first.db);
    if (kind === 'pglite') await first.db.query("SET work_mem = '77kB'");
    expect(await contents(first)).not.toEqual(asNew);
    await first.dispose();

    const again = await openTestDatabase(kind);
    try {
      expect(await contents(again)).toEqual(asNew);
      const { rows } = await again.db.query<{ work_mem: string }>('SHOW work_mem');
      expect(rows[0]!.work_mem).not.toBe('77kB');
      // Where stores are kept, this is the same one made new again: the same schema, or (a PGlite from
      // the template starts every table in the same file) the orders table in the file its emptying
      // gave it.
      if (keepingStores()) {
        if (kind === 'postgres') expect(await identity(again)).toBe(before);
        else expect(await identity(again)).not.toBe(before);
      }
    } finally {
      await again.dispose();
    }
  });

  it('is not handed out again once a test changed its shape', async () => {
    const changed = await openTestDatabase(kind);
    await changed.db.query('ALTER TABLE alerts RENAME TO alerts_elsewhere');
    await changed.dispose();

    const next = await openTestDatabase(kind);
    try {
      const { rows } = await next.db.query<{ alerts: string | null; elsewhere: string | null }>(
        "SELECT to_regclass('alerts')::text AS alerts, to_regclass('alerts_elsewhere')::text AS elsewhere",
      );
      expect(rows[0]).toEqual({ alerts: 'alerts', elsewhere: null });
    } finally {
      await next.dispose();
    }
  });
});
