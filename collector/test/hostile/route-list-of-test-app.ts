// The routes of an app built exactly as the collector builds itself, for fuzzing a spawned
// collector that cannot be asked for its route tree.
import { buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS } from '../support/test-database.ts';
import { type ListedRoute, listRoutes } from './route-list.ts';
import { providerEnv } from './signed-callbacks.ts';

export async function listRoutesOfTestApp(): Promise<ListedRoute[]> {
  // PostgreSQL when there is one: the app is built far faster there than on PGlite.
  const store = await openTestDatabase(STORE_KINDS.at(-1)!);
  try {
    const app = await buildTestApp(store.db, providerEnv());
    try {
      return listRoutes(app.server);
    } finally {
      await app.server.close();
    }
  } finally {
    await store.dispose();
  }
}
