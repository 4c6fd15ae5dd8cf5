// Stores a test opens as it needs them (two to compare, a clean one beside a resumed one), each
// disposed when that test ends.
import { afterEach } from 'vitest';
import type { Database } from '../../src/store/database.ts';
import { openTestDatabase, type StoreKind, type TestDatabase } from './test-database.ts';

/** Call in a describe block: the function it returns opens a store of `kind` for the running test. */
export function storesPerTest(kind: StoreKind): () => Promise<Database> {
  const opened: TestDatabase[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.dispose();
  });
  return async () => {
    const store = await openTestDatabase(kind);
    opened.push(store);
    return store.db;
  };
}
