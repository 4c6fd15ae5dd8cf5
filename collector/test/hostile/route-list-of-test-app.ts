// The routes of an app built exactly as the collector builds itself, for fuzzing a spawned
// collector that cannot be asked for its route tree.
import { buildTestApp } from '../support/test-app.ts';
import { openTestDatabase } from '../support/test-database.ts';
import { type ListedRoute, listRoutes } from './route-list.ts';
import { providerEnv } from './signed-callbacks.ts';

export async function listRoutesOfTestApp(): Promise<ListedRoute[]> {
  const store = await openTestDatabase('pglite');
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
