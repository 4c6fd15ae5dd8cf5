// Every route a fastify app serves, read from `printRoutes`: the walks that must cover each route
// compare their list against this one, so a route added later fails them until it is walked too.
import type { FastifyInstance } from 'fastify';

export interface AppRoute {
  method: string;
  url: string;
}

/**
 * The app's routes as `METHOD url` pairs, HEAD left out (fastify adds it beside each GET). The
 * printed tree nests each path under its longest printed prefix, four columns a level.
 */
export function appRoutes(app: FastifyInstance): AppRoute[] {
  const routes: AppRoute[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/u.exec(line);
    if (match === null) continue;
    stack.length = match[1]!.length / 4;
    stack.push(match[2]!);
    for (const method of match[3]?.split(', ') ?? [])
      if (method !== 'HEAD') routes.push({ method, url: stack.join('') });
  }
  return routes;
}
