// The migration chain the schema baseline replaced, read from git history: baselines that measure
// an older form of the schema (the in-commit rollups before staging, the first ingest_batch) run
// that SQL as it was. Needs a clone with history.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQUASHED_MIGRATIONS } from '../collector/src/store/migration-baseline.ts';

/** The last commit that has the former chain in collector/src/store/migrations. */
const FORMER_CHAIN_COMMIT = '5863ec18c68389814b0e4a6e2dc1a1322f27598a';

/** The text of one former migration, e.g. `0067_ingest_batch`. */
export function formerMigration(name: string): string {
  return execFileSync('git', ['show', `${FORMER_CHAIN_COMMIT}:collector/src/store/migrations/${name}.sql`], {
    cwd: new URL('..', import.meta.url),
    encoding: 'utf8',
  });
}

/** A directory holding the former migrations that `keep` selects, for applyMigrations. */
export function formerMigrationsDir(keep: (name: string) => boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'op-former-migrations-'));
  for (const name of SQUASHED_MIGRATIONS.filter(keep))
    writeFileSync(join(dir, `${name}.sql`), formerMigration(name));
  return dir;
}
