// What makes a used test store as new again, and the check that it is: the store's shape (its
// schemas' tables, columns, indexes, constraints, triggers and whether they are enabled, functions,
// views, grants), the rows its migrations wrote, and where its sequences stand, recorded when the store
// was created; emptying what a test wrote puts it back, and a store whose shape or migration-made rows
// a test changed cannot be put back (the caller then gives it up).

/** One statement on the store, rows back. */
export type Run = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

export interface StoreState {
  shape: string;
  /** Content digests of the tables that had rows when the store was new (the migrations wrote them). */
  seeded: Map<string, string>;
  /** Sequences by name: their last value when new, null if never used. */
  sequences: Map<string, string | null>;
}

const SHAPE = `
SELECT md5(string_agg(x, E'\\n' ORDER BY x)) AS shape FROM (
  SELECT 'schema ' || nspname || ' ' || coalesce(nspacl::text, '') AS x FROM pg_namespace WHERE nspname = ANY($1)
  UNION ALL
  SELECT 'relation ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text || c.relpersistence::text
    || ' ' || c.relrowsecurity::text || ' ' || coalesce(c.reloptions::text, '') || ' ' || coalesce(c.relacl::text, '')
    || ' (' || coalesce(columns.list, '') || ')'
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN (
    SELECT a.attrelid, string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' '
      || a.attnotnull::text || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), ''), ', ' ORDER BY a.attnum) AS list
    FROM pg_attribute a
    JOIN pg_class ac ON ac.oid = a.attrelid JOIN pg_namespace an ON an.oid = ac.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE an.nspname = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
    GROUP BY a.attrelid
  ) columns ON columns.attrelid = c.oid
  WHERE n.nspname = ANY($1)
  UNION ALL
  SELECT 'index ' || pg_get_indexdef(i.indexrelid) || ' ' || i.indisvalid::text
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = ANY($1)
  UNION ALL
  SELECT 'trigger ' || pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = ANY($1)
  UNION ALL
  SELECT 'function ' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') '
    || md5(p.prosrc) || ' ' || coalesce(p.proconfig::text, '') || ' ' || coalesce(p.proacl::text, '')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY($1)
  UNION ALL
  SELECT 'constraint ' || n.nspname || '.' || c.conname || ' ' || pg_get_constraintdef(c.oid) || ' ' || c.convalidated::text
  FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = ANY($1)
  UNION ALL
  SELECT 'view ' || n.nspname || '.' || c.relname || ' ' || md5(pg_get_viewdef(c.oid))
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1) AND c.relkind IN ('v', 'm')
  UNION ALL
  SELECT 'type ' || n.nspname || '.' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  WHERE n.nspname = ANY($1)
  UNION ALL
  SELECT 'policy ' || p.polname || ' ' || coalesce(pg_get_expr(p.polqual, p.polrelid), '')
  FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = ANY($1)
) parts`;

const TABLES = `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname = ANY($1)`;
const SEQUENCES = `SELECT format('%I.%I', schemaname, sequencename) AS name, last_value::text AS last
  FROM pg_sequences WHERE schemaname = ANY($1)`;

const contentOf = (table: string) =>
  `SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS digest FROM ${table} t`;

async function shapeOf(run: Run, schemas: string[]): Promise<string> {
  return String((await run(SHAPE, [schemas]))[0]!.shape);
}

/** The tables of the schemas that hold at least one row. */
async function tablesWithRows(run: Run, schemas: string[]): Promise<string[]> {
  const tables = (await run(TABLES, [schemas])).map((r) => String(r.name));
  if (tables.length === 0) return [];
  const probe = tables
    .map((t, i) => `SELECT ${i} AS i WHERE EXISTS (SELECT 1 FROM ${t})`)
    .join(' UNION ALL ');
  return (await run(probe)).map((r) => tables[Number(r.i)]!);
}

async function sequencesOf(run: Run, schemas: string[]): Promise<Map<string, string | null>> {
  const rows = await run(SEQUENCES, [schemas]);
  return new Map(rows.map((r) => [String(r.name), r.last === null ? null : String(r.last)]));
}

/** The state of a new store, to put it back to after use. */
export async function recordState(run: Run, schemas: string[]): Promise<StoreState> {
  const seeded = new Map<string, string>();
  for (const table of await tablesWithRows(run, schemas)) {
    seeded.set(table, String((await run(contentOf(table)))[0]!.digest));
  }
  return { shape: await shapeOf(run, schemas), seeded, sequences: await sequencesOf(run, schemas) };
}

/**
 * Empties what a test wrote and sets the sequences back; true if the store is now in `state`, false if
 * it cannot be (its shape or its migration-made rows were changed), and it must not be used again.
 */
export async function resetToState(run: Run, schemas: string[], state: StoreState): Promise<boolean> {
  if ((await shapeOf(run, schemas)) !== state.shape) return false;
  const written = (await tablesWithRows(run, schemas)).filter((t) => !state.seeded.has(t));
  // CASCADE: a table that refers to an emptied one is emptied with it (if a seeded one, caught below).
  if (written.length > 0) await run(`TRUNCATE ${written.join(', ')} CASCADE`);
  for (const [table, digest] of state.seeded) {
    if (String((await run(contentOf(table)))[0]!.digest) !== digest) return false;
  }
  const now = await sequencesOf(run, schemas);
  if (now.size !== state.sequences.size) return false;
  for (const [sequence, last] of state.sequences) {
    if (!now.has(sequence)) return false;
    if (now.get(sequence) === last) continue;
    if (last === null) await run(`ALTER SEQUENCE ${sequence} RESTART`);
    else await run('SELECT setval($1::regclass, $2::bigint, true)', [sequence, last]);
  }
  return (await shapeOf(run, schemas)) === state.shape;
}

/**
 * What an embedded store has beyond its schemas (it is a whole cluster): schema names, extensions,
 * roles, databases and their settings.
 */
export async function clusterOf(run: Run): Promise<{ schemas: string[]; digest: string }> {
  const schemas = (
    await run(
      `SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' ORDER BY 1`,
    )
  ).map((r) => String(r.nspname));
  const [row] = await run(`SELECT md5(string_agg(x, E'\\n' ORDER BY x)) AS digest FROM (
    SELECT 'extension ' || extname || ' ' || extversion AS x FROM pg_extension
    UNION ALL SELECT 'role ' || rolname || ' ' || rolsuper::text || rolcanlogin::text || coalesce(rolconfig::text, '') FROM pg_roles
    UNION ALL SELECT 'database ' || datname || ' ' || coalesce(datacl::text, '') FROM pg_database
    UNION ALL SELECT 'setting ' || setdatabase || ' ' || setrole || ' ' || setconfig::text FROM pg_db_role_setting
  ) parts`);
  return { schemas, digest: String(row!.digest) };
}
