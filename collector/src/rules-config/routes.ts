// routes.yaml: an Alertmanager-style route tree and the receivers it names.
import {
  LABEL_NAME,
  type Matcher,
  MatcherError,
  matcherRegex,
  parseMatcher,
} from '../domain/alerts/matchers.ts';
import type { ObjectCursor } from './object-cursor.ts';
import { part, problem } from './problem.ts';
import { type Receiver, readReceivers } from './receivers.ts';
import type { Cursor } from './yaml-cursor.ts';

/** One node of the route tree, with every inherited setting already filled in. */
export interface Route {
  /** Where it is written, e.g. `route.routes[1]`; for logs. */
  path: string;
  receiver: string;
  matchers: readonly Matcher[];
  /** Keep looking at later siblings after this route matched. */
  continue: boolean;
  /** Label names; `['...']` groups by all labels. Default `rule`, `store_id`. */
  groupBy: readonly string[];
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  /** An acknowledged alert still open after this long is notified again. */
  ackTimeoutMs: number;
  /** Not acknowledged within `afterMs`: also notify `receiver`. */
  escalation?: { afterMs: number; receiver: string };
  routes: readonly Route[];
}

export interface RoutingConfig {
  route: Route;
  receivers: Readonly<Record<string, Receiver>>;
}

const MINUTE = 60_000;
/** Alertmanager's defaults, and grouping by rule and store (one message per store's problem). */
export const ROUTE_DEFAULTS = {
  groupBy: ['rule', 'store_id'],
  groupWaitMs: 30_000,
  groupIntervalMs: 5 * MINUTE,
  repeatIntervalMs: 4 * 60 * MINUTE,
  ackTimeoutMs: 4 * 60 * MINUTE,
} as const;

const ROUTE_KEYS = [
  'receiver',
  'matchers',
  'continue',
  'group_by',
  'group_wait',
  'group_interval',
  'repeat_interval',
  'ack_timeout',
  'escalate_after',
  'escalate_to',
  'routes',
];
const MAX_ROUTE_DEPTH = 16;

export interface RoutesResult {
  routing: RoutingConfig | undefined;
  /** Every `route="…"` value the tree matches on, to check rules' `route:` against. */
  routeLabelValues: Set<string>;
}

export function readRoutes(root: Cursor): RoutesResult {
  const routeLabelValues = new Set<string>();
  const file = root.object(['route', 'receivers'], { extensions: true });
  if (file === undefined) {
    if (!root.present) root.error(problem('ruleError.routesFileEmpty'));
    return { routing: undefined, routeLabelValues };
  }
  const receivers = readReceivers(file.get('receivers'));
  const routeCursor = file.get('route');
  if (!routeCursor.required()) return { routing: undefined, routeLabelValues };
  const route = readRoute(routeCursor, undefined, 'route', 0, receivers, routeLabelValues);
  if (route === undefined || receivers === undefined) return { routing: undefined, routeLabelValues };
  return { routing: { route, receivers }, routeLabelValues };
}

function readRoute(
  cursor: Cursor,
  parent: Route | undefined,
  path: string,
  depth: number,
  receivers: Readonly<Record<string, Receiver>> | undefined,
  routeLabelValues: Set<string>,
): Route | undefined {
  const object = cursor.object(ROUTE_KEYS);
  if (object === undefined) return undefined;
  const isRoot = parent === undefined;
  if (depth > MAX_ROUTE_DEPTH) {
    object.error(problem('ruleError.routesTooDeep', { max: String(MAX_ROUTE_DEPTH) }));
    return undefined;
  }
  const receiverCursor = object.get('receiver');
  let receiver = parent?.receiver;
  if (isRoot && !receiverCursor.required()) receiver = undefined;
  else if (receiverCursor.present) receiver = checkReceiver(receiverCursor, receivers);

  const matchers = readMatchers(object.get('matchers'), routeLabelValues);
  if (isRoot && matchers.length > 0) object.get('matchers').error(problem('ruleError.rootRouteMatchers'));
  const continues = object.get('continue').boolean() ?? false;
  if (isRoot && continues) object.get('continue').error(problem('ruleError.rootRouteContinue'));

  const groupBy = readGroupBy(object.get('group_by')) ?? parent?.groupBy ?? ROUTE_DEFAULTS.groupBy;
  const groupWaitMs =
    object.get('group_wait').duration({ positive: false }) ??
    parent?.groupWaitMs ??
    ROUTE_DEFAULTS.groupWaitMs;
  const groupIntervalMs =
    object.get('group_interval').duration({ positive: true }) ??
    parent?.groupIntervalMs ??
    ROUTE_DEFAULTS.groupIntervalMs;
  const repeatIntervalMs =
    object.get('repeat_interval').duration({ positive: true }) ??
    parent?.repeatIntervalMs ??
    ROUTE_DEFAULTS.repeatIntervalMs;
  if (repeatIntervalMs < groupIntervalMs && (object.has('repeat_interval') || object.has('group_interval'))) {
    const where = object.has('repeat_interval')
      ? object.get('repeat_interval')
      : object.get('group_interval');
    where.error(problem('ruleError.repeatShorterThanGroup'));
  }
  const ackTimeoutMs =
    object.get('ack_timeout').duration({ positive: true }) ??
    parent?.ackTimeoutMs ??
    ROUTE_DEFAULTS.ackTimeoutMs;
  const escalation = readEscalation(object, receivers) ?? parent?.escalation;

  const route: Route = {
    path,
    receiver: receiver ?? '',
    matchers,
    continue: continues,
    groupBy,
    groupWaitMs,
    groupIntervalMs,
    repeatIntervalMs,
    ackTimeoutMs,
    ...(escalation === undefined ? {} : { escalation }),
    routes: [],
  };
  const children: Route[] = [];
  const childCursors = object.get('routes').list() ?? [];
  childCursors.forEach((child, index) => {
    const childRoute = readRoute(
      child,
      route,
      `${path}.routes[${index}]`,
      depth + 1,
      receivers,
      routeLabelValues,
    );
    if (childRoute !== undefined) children.push(childRoute);
  });
  route.routes = children;
  return receiver === undefined ? undefined : route;
}

function checkReceiver(
  cursor: Cursor,
  receivers: Readonly<Record<string, Receiver>> | undefined,
): string | undefined {
  const name = cursor.string();
  if (name === undefined) return undefined;
  if (receivers !== undefined && !Object.hasOwn(receivers, name)) {
    const known = Object.keys(receivers);
    cursor.error(
      problem('ruleError.undefinedReceiver', {
        name,
        defined: known.length === 0 ? part('ruleWord.none') : known.join(', '),
      }),
    );
    return undefined;
  }
  return name;
}

function readEscalation(
  object: ObjectCursor,
  receivers: Readonly<Record<string, Receiver>> | undefined,
): { afterMs: number; receiver: string } | undefined {
  const after = object.get('escalate_after');
  const to = object.get('escalate_to');
  if (!after.present && !to.present) return undefined;
  if (after.present !== to.present) {
    (after.present ? to : after).error(problem('ruleError.escalateTogether'));
    return undefined;
  }
  const afterMs = after.duration({ positive: true });
  const receiver = checkReceiver(to, receivers);
  if (afterMs === undefined || receiver === undefined) return undefined;
  return { afterMs, receiver };
}

function readGroupBy(cursor: Cursor): string[] | undefined {
  if (!cursor.present) return undefined;
  const labels = cursor.stringList((item) => {
    const name = item.string();
    if (name === undefined) return undefined;
    if (name !== '...' && !LABEL_NAME.test(name)) {
      item.error(problem('ruleError.groupByLabel', { name }));
      return undefined;
    }
    return name;
  });
  if (labels?.includes('...') && labels.length > 1) {
    cursor.error(problem('ruleError.groupByAllAlone'));
  }
  return labels;
}

/** Alertmanager matcher strings: `severity="critical"`, `store_id=~"SH-.*"`, `rule!=order_stalled`. */
function readMatchers(cursor: Cursor, routeLabelValues: Set<string>): Matcher[] {
  const matchers: Matcher[] = [];
  if (!cursor.present) return matchers;
  for (const item of cursor.list() ?? []) {
    const text = item.string();
    if (text === undefined) continue;
    let matcher: Matcher;
    try {
      matcher = parseMatcher(text);
    } catch (error) {
      if (!(error instanceof MatcherError)) throw error;
      item.error(
        problem(error.reason === 'bad_quote' ? 'ruleError.matcherQuote' : 'ruleError.matcherSyntax', {
          text,
        }),
      );
      continue;
    }
    if (matcher.operator === '=~' || matcher.operator === '!~') {
      try {
        // Compiled now so a bad regex is a load error, and cached for matching.
        matcherRegex(matcher);
      } catch (error) {
        item.error(problem('ruleError.matcherRegex', { text, detail: (error as Error).message }));
        continue;
      }
    }
    if (matcher.name === 'route' && matcher.operator === '=') routeLabelValues.add(matcher.value);
    matchers.push(matcher);
  }
  return matchers;
}
