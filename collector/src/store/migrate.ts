// Numbered, forward-only migrations. Each runs in its own transaction that first inserts its
// bookkeeping row, so two collectors starting at once cannot both apply it. The first ones are a
// baseline that replaced an older chain (migration-baseline.ts carries such stores over).
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';
import { carryOverSquashedHistory } from './migration-baseline.ts';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await fs.readdir(dir)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    migrations.push({
      version: Number(file.slice(0, 4)),
      name: file.replace(/\.sql$/, ''),
      sql: await fs.readFile(path.join(dir, file), 'utf8'),
    });
  }
  const versions = migrations.map((m) => m.version);
  const clash = versions.find((v, i) => versions.indexOf(v) !== i);
  if (clash !== undefined) throw new Error(`two migrations share version ${clash}`);
  return migrations;
}

/** Applies what is not applied yet; returns the names it applied (empty when up to date). */
export async function applyMigrations(db: Database, schema: string, dir = MIGRATIONS_DIR): Promise<string[]> {
  await db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await db.query(`CREATE TABLE IF NOT EXISTS ${schema}.migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const migrations = await readMigrations(dir);
  await carryOverSquashedHistory(db, schema, migrations);
  const applied: string[] = [];
  for (const migration of migrations) {
    const done = await db.transaction(async (tx) => {
      const { rowCount } = await tx.query(
        `INSERT INTO ${schema}.migrations (version, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [migration.version, migration.name],
      );
      if (rowCount === 0) return false;
      await tx.query(`SET LOCAL search_path TO ${schema}`);
      await tx.query(migration.sql);
      return true;
    });
    if (done) applied.push(migration.name);
  }
  return applied;
}
