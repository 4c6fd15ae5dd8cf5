// Readers for values that several rule files share: labels, store scopes, environment variable
// names. Each reports its own errors on the cursor it is given.

import { LABEL_NAME, RESERVED_LABELS, ROUTE_LABEL } from '../domain/alerts/label-syntax.ts';
import type { RuleScope } from '../domain/rules/params.ts';
import { problem } from './problem.ts';
import type { Cursor } from './yaml-cursor.ts';

export const RULE_NAME = /^[a-z][a-z0-9_]*$/;
export const ENV_VAR_NAME = /^[A-Z_][A-Z0-9_]*$/;

const EVERY_STORE: RuleScope = Object.freeze({ stores: Object.freeze([]), excludeStores: Object.freeze([]) });

export function readLabels(cursor: Cursor): Record<string, string> {
  const labels: Record<string, string> = {};
  const entries = cursor.entries();
  if (entries === undefined) return labels;
  for (const [name, value] of entries) {
    if (!LABEL_NAME.test(name)) {
      value.error(problem('ruleError.labelNameSyntax', { name, pattern: LABEL_NAME.source }));
      continue;
    }
    if ((RESERVED_LABELS as readonly string[]).includes(name)) {
      value.error(problem('ruleError.reservedLabel', { name }));
      continue;
    }
    const text = value.string();
    if (text !== undefined) labels[name] = text;
  }
  return labels;
}

export function readScope(cursor: Cursor): RuleScope {
  const scope = cursor.object(['stores', 'exclude_stores']);
  if (scope === undefined) return EVERY_STORE;
  const stores = scope.get('stores').stringList() ?? [];
  const excludeStores = scope.get('exclude_stores').stringList() ?? [];
  for (const store of excludeStores) {
    if (stores.includes(store))
      scope.get('exclude_stores').error(problem('ruleError.storeIncludedAndExcluded', { store }));
  }
  return { stores, excludeStores };
}

/** True when `storeId` falls in `scope` (an empty `stores` list means every store). */
export function storeInScope(scope: RuleScope, storeId: string): boolean {
  if (scope.excludeStores.includes(storeId)) return false;
  return scope.stores.length === 0 || scope.stores.includes(storeId);
}

/** The NAME of an environment variable; literal secrets and URLs are refused. */
export function readEnvVarName(cursor: Cursor): string | undefined {
  const name = cursor.string();
  if (name === undefined) return undefined;
  if (name.includes('://') || name.includes('@')) {
    cursor.error(problem('ruleError.literalSecret'));
    return undefined;
  }
  if (!ENV_VAR_NAME.test(name) || name.length > 128) {
    cursor.error(problem('ruleError.envVarName', { name }));
    return undefined;
  }
  return name;
}

/** A rule's `route:` value, which becomes its alerts' `route` label for routes.yaml to match. */
export function readRouteLabel(cursor: Cursor): string | undefined {
  const route = cursor.string();
  if (route === undefined) return undefined;
  if (!ROUTE_LABEL.test(route)) {
    cursor.error(problem('ruleError.routeLabelSyntax', { route }));
    return undefined;
  }
  return route;
}
