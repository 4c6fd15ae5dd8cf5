// The tests' in-memory embedded stores start from a copy of one migrated data directory instead of
// running initdb and the migrations each (support/test-database.ts): such a store must be the store
// openDatabase builds from scratch, the same schema and the same migration history.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.ts';
import { openDatabase } from '../../src/store/open-database.ts';
import { openEmbeddedTestDatabase } from '../support/pglite-template.ts';
import { dumpSchema } from '../support/schema-catalog.ts';

interface Built {
  schema: string;
  history: string[];
  events: number;
  mode: string;
}

async function describeStore(db: Database): Promise<Built> {
  try {
    const history = await db.query<{ name: string }>('SELECT name FROM migrations ORDER BY version');
    const events = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    return {
      schema: await dumpSchema(db, 'orderpulse'),
      history: history.rows.map((r) => r.name),
      events: events.rows[0]!.n,
      mode: db.mode,
    };
  } finally {
    await db.close();
  }
}

describe('an embedded test store started from the template', () => {
  let fromScratch: Built;
  let fromTemplate: Built;
  // One store at a time; a new cluster's initdb takes seconds alone, minutes on a loaded machine.
  beforeAll(async () => {
    fromScratch = await describeStore(await openDatabase({ databaseUrl: undefined, schema: 'orderpulse' }));
    fromTemplate = await describeStore(await openEmbeddedTestDatabase());
  }, 300_000);

  it('has the schema a new embedded store is migrated to', () => {
    expect(fromScratch.schema).toContain('-- table events');
    expect(fromTemplate.schema).toBe(fromScratch.schema);
  });

  it('has the same migration history, no data, and is the embedded store', () => {
    expect(fromTemplate.history).toEqual(fromScratch.history);
    expect(fromTemplate.events).toBe(0);
    expect(fromTemplate.mode).toBe('embedded');
  });
});
