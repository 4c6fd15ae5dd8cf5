// Route matches as the alerting dispatcher reads them: the routes.yaml tree is matched by
// rules-config (route-matching.ts, the one implementation), and each matched route is named by its
// position in the tree (`0`, `0.2`, `0.2.1`), which the dispatcher keys its groups by. Kept only for
// alerting/notification-dispatcher.ts; once it keys by `Route.path` this file can go.
import { matchRoutes as matchLoadedRoutes } from '../rules-config/route-matching.ts';
import type { Route } from '../rules-config/routes.ts';

/** A route an alert landed on, with its (already inherited) settings. */
export interface RouteMatch {
  receiver: string;
  /** Position in the tree (`0`, `0.2`, `0.2.1`): stable while the tree is, so usable in group keys. */
  routeId: string;
  groupBy: readonly string[];
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
}

// One position table per loaded tree, dropped with it.
const positionsByRoot = new WeakMap<Route, Map<Route, string>>();

function positionsOf(root: Route): Map<Route, string> {
  let positions = positionsByRoot.get(root);
  if (positions === undefined) {
    const table = new Map<Route, string>();
    const visit = (route: Route, id: string): void => {
      table.set(route, id);
      for (const [index, child] of route.routes.entries()) visit(child, `${id}.${index}`);
    };
    visit(root, '0');
    positionsByRoot.set(root, table);
    positions = table;
  }
  return positions;
}

/** The routes (hence receivers) an alert with these labels goes to; never empty. */
export function matchRoutes(root: Route, labels: Readonly<Record<string, string>>): RouteMatch[] {
  const positions = positionsOf(root);
  return matchLoadedRoutes(root, labels).map((route) => ({
    receiver: route.receiver,
    routeId: positions.get(route)!,
    groupBy: route.groupBy,
    groupWaitMs: route.groupWaitMs,
    groupIntervalMs: route.groupIntervalMs,
    repeatIntervalMs: route.repeatIntervalMs,
  }));
}
