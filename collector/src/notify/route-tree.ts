// The Alertmanager routing tree, kept structural so the alert-rules/routes.yaml loader can hand over its
// own parsed type unchanged. Semantics follow Alertmanager's dispatch/route.go:
// - a route matches when all its matchers match (a missing label reads as the empty string);
// - children are tried in order; the first matching child ends the search unless it sets `continue`;
// - when no child matches, the route itself is the match (so the root catches everything else);
// - unset grouping fields are inherited from the parent.
import type { ChannelConfig } from './channel.ts';

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  name: string;
  operator: MatchType;
  value: string;
  /** A precompiled, anchored regex for `=~`/`!~` (the routes.yaml loader supplies one); else compiled here. */
  regex?: RegExp;
}

export interface Route {
  /** Required on the root; children inherit it when unset. */
  receiver?: string;
  matchers?: readonly Matcher[];
  continue?: boolean;
  /** Labels that split alerts into notifications; `['...']` means every label (Alertmanager). */
  groupBy?: readonly string[];
  groupWaitMs?: number;
  groupIntervalMs?: number;
  repeatIntervalMs?: number;
  routes?: readonly Route[];
}

export interface Receiver {
  name: string;
  /** `false`: resolved notifications are not sent to this receiver (Alertmanager's send_resolved). */
  sendResolved?: boolean;
  /** Tried first, each on its own. */
  primary: readonly ChannelConfig[];
  /** Used when the primary channels keep failing (the brief's dual channel). */
  backup: readonly ChannelConfig[];
}

export interface RouteTree {
  route: Route;
  receivers: readonly Receiver[];
}

/** A route an alert landed on, with inherited settings filled in. */
export interface RouteMatch {
  receiver: string;
  /** Position in the tree (`0`, `0.2`, `0.2.1`): stable while the tree is, so usable in group keys. */
  routeId: string;
  groupBy: readonly string[];
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
}

/** Alertmanager's defaults for the root route. */
export const ROOT_ROUTE_DEFAULTS = {
  groupBy: [] as readonly string[],
  groupWaitMs: 30_000,
  groupIntervalMs: 5 * 60_000,
  repeatIntervalMs: 4 * 60 * 60_000,
};

// Keyed by the matcher object, so compiled regexes live exactly as long as the tree holding them.
const compiled = new WeakMap<Matcher, RegExp>();

/** Regex matchers are fully anchored, as in Prometheus and Alertmanager. */
function anchored(matcher: Matcher): RegExp {
  if (matcher.regex) return matcher.regex;
  let regex = compiled.get(matcher);
  if (!regex) {
    regex = new RegExp(`^(?:${matcher.value})$`, 'u');
    compiled.set(matcher, regex);
  }
  return regex;
}

export function matcherMatches(matcher: Matcher, labels: Readonly<Record<string, string>>): boolean {
  const value = labels[matcher.name] ?? '';
  switch (matcher.operator) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return anchored(matcher).test(value);
    case '!~':
      return !anchored(matcher).test(value);
  }
}

type Inherited = Omit<RouteMatch, 'routeId'>;

function walk(
  route: Route,
  labels: Readonly<Record<string, string>>,
  parent: Inherited,
  id: string,
): RouteMatch[] {
  if (!(route.matchers ?? []).every((m) => matcherMatches(m, labels))) return [];
  const here: Inherited = {
    receiver: route.receiver ?? parent.receiver,
    groupBy: route.groupBy ?? parent.groupBy,
    groupWaitMs: route.groupWaitMs ?? parent.groupWaitMs,
    groupIntervalMs: route.groupIntervalMs ?? parent.groupIntervalMs,
    repeatIntervalMs: route.repeatIntervalMs ?? parent.repeatIntervalMs,
  };
  const matches: RouteMatch[] = [];
  for (const [index, child] of (route.routes ?? []).entries()) {
    const childMatches = walk(child, labels, here, `${id}.${index}`);
    matches.push(...childMatches);
    if (childMatches.length > 0 && !child.continue) break;
  }
  return matches.length > 0 ? matches : [{ ...here, routeId: id }];
}

/** The routes (hence receivers) an alert with these labels goes to; never empty for a valid tree. */
export function matchRoutes(root: Route, labels: Readonly<Record<string, string>>): RouteMatch[] {
  // The root matches every alert whatever its matchers say: it is the catch-all.
  return walk(
    { ...root, matchers: [] },
    labels,
    { ...ROOT_ROUTE_DEFAULTS, receiver: root.receiver ?? '' },
    '0',
  );
}

/** Problems that make a tree unusable; empty when it is fine. */
export function routeTreeProblems(tree: RouteTree): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const receiver of tree.receivers) {
    if (names.has(receiver.name)) problems.push(`receiver "${receiver.name}" is defined twice`);
    names.add(receiver.name);
    if (receiver.primary.length === 0) problems.push(`receiver "${receiver.name}" has no primary channel`);
  }
  if (!tree.route.receiver) problems.push('the root route needs a receiver');
  const visit = (route: Route, where: string): void => {
    if (route.receiver !== undefined && !names.has(route.receiver)) {
      problems.push(`${where} names receiver "${route.receiver}", which is not defined`);
    }
    for (const m of route.matchers ?? []) {
      if (m.operator === '=~' || m.operator === '!~') {
        try {
          anchored(m);
        } catch {
          problems.push(`${where} has an invalid regular expression for ${m.name}: ${m.value}`);
        }
      }
    }
    for (const [index, child] of (route.routes ?? []).entries()) visit(child, `${where}.routes[${index}]`);
  };
  visit(tree.route, 'route');
  return problems;
}

const MATCHER_PATTERN = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^"\s]*))\s*$/;

/** Parses Alertmanager's matcher syntax: `severity="critical"`, `store_id=~"s-0.*"`, `rule!=order_stalled`. */
export function parseMatcher(text: string): Matcher {
  const m = MATCHER_PATTERN.exec(text);
  if (!m) throw new Error(`not a matcher: ${text}`);
  const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? '');
  return { name: m[1]!, operator: m[2] as MatchType, value };
}
