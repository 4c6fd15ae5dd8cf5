// Which routes an alert goes to, with Alertmanager's semantics: depth first, the deepest
// matching route wins, siblings after a match are tried only when it has `continue: true`.
import { allMatch } from '../domain/alerts/matchers.ts';
import type { Route } from './routes.ts';

/**
 * The labels routing looks at: the alert's labels plus `rule`, `severity`, `store_id` and, when
 * the rule names one, `route`.
 */
export type RoutingLabels = Readonly<Record<string, string>>;

export function alertRoutingLabels(alert: {
  rule: string;
  severity: string;
  storeId?: string;
  route?: string;
  labels?: Readonly<Record<string, string>>;
}): RoutingLabels {
  return {
    ...alert.labels,
    rule: alert.rule,
    severity: alert.severity,
    ...(alert.storeId === undefined ? {} : { store_id: alert.storeId }),
    ...(alert.route === undefined ? {} : { route: alert.route }),
  };
}

/** The routes (never empty: at least the root) whose receivers get this alert. */
export function matchRoutes(root: Route, labels: RoutingLabels): Route[] {
  return matchFrom(root, labels) ?? [root];
}

function matchFrom(route: Route, labels: RoutingLabels): Route[] | undefined {
  if (!allMatch(route.matchers, labels)) return undefined;
  const matched: Route[] = [];
  for (const child of route.routes) {
    const found = matchFrom(child, labels);
    if (found === undefined) continue;
    matched.push(...found);
    if (!child.continue) break;
  }
  return matched.length > 0 ? matched : [route];
}

/** The group key of an alert on a route: the values of the route's `group_by` labels. */
export function groupKey(route: Route, labels: RoutingLabels): string {
  const names = route.groupBy.includes('...') ? Object.keys(labels).sort() : route.groupBy;
  return JSON.stringify([
    route.path,
    names.map((name) => [name, Object.hasOwn(labels, name) ? labels[name] : '']),
  ]);
}
