// The real store, with a hook that sees (and may hold) every query sent outside a transaction:
// for tests that need a query to be slow at a chosen moment, without mocking the store.
import type { Database } from '../../src/store/database.ts';

export type QueryHook = (sql: string, params: readonly unknown[] | undefined) => Promise<void> | void;

export function interceptQueries(db: Database, before: QueryHook): Database {
  const query: Database['query'] = async (statement, params) => {
    await before(typeof statement === 'string' ? statement : statement.text, params);
    return db.query(statement, params);
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'query') return query;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
