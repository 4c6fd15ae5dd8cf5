// The real store, with a hook that sees (and may hold, or fail) every query sent outside a
// transaction, and with `inTransactions` those inside one as well: for tests that need a query to be
// slow, to fail, or to be recorded at a chosen moment, without mocking the store.
import type { Database, Queryable } from '../../src/store/database.ts';

export type QueryHook = (sql: string, params: readonly unknown[] | undefined) => Promise<void> | void;

export function interceptQueries(
  db: Database,
  before: QueryHook,
  { inTransactions = false }: { inTransactions?: boolean } = {},
): Database {
  const hooked =
    (q: Queryable): Queryable['query'] =>
    async (statement, params) => {
      await before(typeof statement === 'string' ? statement : statement.text, params);
      return q.query(statement, params);
    };
  const query = hooked(db);
  const transaction: Database['transaction'] = (fn) => db.transaction((tx) => fn({ query: hooked(tx) }));
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'query') return query;
      if (prop === 'transaction' && inTransactions) return transaction;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
