// A function as a migration defined it, created (or put back) under a name of the bench's choosing,
// so that a bench can compare the current version with an earlier one in the same run and schema.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';

const MIGRATIONS = path.join(import.meta.dirname, '../collector/src/store/migrations');

/**
 * Creates or replaces `newName` with the `CREATE [OR REPLACE] FUNCTION name(signature` statement of
 * `migration` (a file name in the migrations folder, or 'latest': the last one defining it), every
 * mention of the name inside renamed (a PL/pgSQL body names its parameters as `name.param`).
 * Replacing in place keeps the function's oid, so prepared calls of it run the new body.
 */
export async function createFunctionFromMigration(
  client: pg.Client,
  migration: string,
  name: string,
  signature: string,
  newName: string,
): Promise<void> {
  const header = `FUNCTION ${name}(${signature}`;
  const files = migration === 'latest' ? (await readdir(MIGRATIONS)).sort().reverse() : [migration];
  for (const file of files) {
    const text = await readFile(path.join(MIGRATIONS, file), 'utf8');
    const at = text.indexOf(header);
    if (at < 0) continue;
    const end = text.indexOf('$fn$;', text.indexOf('$fn$', at) + 4) + '$fn$;'.length;
    const statement = `CREATE OR REPLACE ${text.slice(at, end)}`;
    await client.query(statement.replaceAll(new RegExp(`\\b${name}\\b`, 'g'), newName));
    return;
  }
  throw new Error(`${migration} defines no ${name}(${signature}…)`);
}
