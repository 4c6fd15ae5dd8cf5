// A normalised text dump of one schema, read from the catalog so that it works on PGlite (where
// pg_dump cannot connect) as well as on PostgreSQL: every table with its columns, constraints,
// indexes and storage options, views, sequences, functions, triggers and comments, one object per
// block, sorted by kind and name. The schema's own name becomes `:schema`, so two stores migrated
// into differently named schemas dump the same text when their schemas are the same.
import type { Queryable } from '../../src/store/database.ts';

// PostgreSQL 16 and later print a one-table view's columns unqualified, 15 qualifies them: views are
// compared with every `name.` qualifier dropped.
const unqualified = (def: string) => def.replace(/\b[a-z_][a-z0-9_]*\.(?=[a-z_"])/g, '');

const SECTIONS: { kind: string; sql: string; normalise?: (def: string) => string }[] = [
  {
    kind: 'table',
    sql: `SELECT c.relname AS name,
                 coalesce('WITH (' || array_to_string(c.reloptions, ', ') || E')\n', '') ||
                 string_agg(format('  %s %s%s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                   CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,
                   CASE a.attgenerated::text WHEN 's' THEN ' GENERATED ALWAYS AS ' || pg_get_expr(d.adbin, d.adrelid) || ' STORED'
                        ELSE coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') END,
                   CASE a.attidentity::text WHEN '' THEN '' ELSE ' IDENTITY ' || a.attidentity::text END),
                   E'\n' ORDER BY a.attnum) AS def
          FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
          LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
          WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
          GROUP BY c.oid, c.relname, c.reloptions`,
  },
  {
    kind: 'constraint',
    sql: `SELECT c.relname || '.' || k.conname AS name, pg_get_constraintdef(k.oid) AS def
          FROM pg_constraint k
          JOIN pg_class c ON c.oid = k.conrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
          -- PostgreSQL 18 (PGlite) also lists NOT NULL here; the columns already say it
          WHERE n.nspname = $1 AND k.contype <> 'n'`,
  },
  {
    kind: 'index',
    sql: `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = $1`,
  },
  {
    kind: 'view',
    sql: `SELECT c.relname AS name,
                 CASE c.relkind WHEN 'm' THEN 'MATERIALIZED ' ELSE '' END || pg_get_viewdef(c.oid) AS def
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relkind IN ('v', 'm')`,
    normalise: unqualified,
  },
  {
    kind: 'sequence',
    sql: `SELECT c.relname AS name,
                 format('%s start %s increment %s owned by %s', format_type(s.seqtypid, NULL), s.seqstart,
                        s.seqincrement, coalesce(dc.relname || '.' || da.attname, '-')) AS def
          FROM pg_sequence s
          JOIN pg_class c ON c.oid = s.seqrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
          LEFT JOIN pg_depend dep ON dep.objid = c.oid AND dep.classid = 'pg_class'::regclass
            AND dep.refclassid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i')
          LEFT JOIN pg_class dc ON dc.oid = dep.refobjid
          LEFT JOIN pg_attribute da ON da.attrelid = dep.refobjid AND da.attnum = dep.refobjsubid
          WHERE n.nspname = $1`,
  },
  {
    kind: 'function',
    sql: `SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS name,
                 pg_get_functiondef(p.oid) AS def
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname = $1`,
  },
  {
    kind: 'trigger',
    sql: `SELECT c.relname || '.' || t.tgname AS name, pg_get_triggerdef(t.oid) AS def
          FROM pg_trigger t
          JOIN pg_class c ON c.oid = t.tgrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND NOT t.tgisinternal`,
  },
  {
    kind: 'comment',
    sql: `SELECT coalesce(c.relname, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')') AS name,
                 d.description AS def
          FROM pg_description d
          LEFT JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND c.oid = d.objoid AND d.objsubid = 0
          LEFT JOIN pg_proc p ON d.classoid = 'pg_proc'::regclass AND p.oid = d.objoid
          JOIN pg_namespace n ON n.oid = coalesce(c.relnamespace, p.pronamespace)
          WHERE n.nspname = $1`,
  },
];

export async function dumpSchema(db: Queryable, schema: string): Promise<string> {
  const blocks: string[] = [];
  for (const section of SECTIONS) {
    const { rows } = await db.query<{ name: string; def: string }>(section.sql, [schema]);
    rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const row of rows) {
      const def = section.normalise ? section.normalise(row.def) : row.def;
      blocks.push(`-- ${section.kind} ${row.name}\n${def.trim()}\n`);
    }
  }
  return blocks.join('\n').replaceAll(schema, ':schema');
}
