import type { RuleScope } from './params.ts';

/** Empty `stores` means every store; `excludeStores` always wins. */
export function inScope(scope: RuleScope, storeId: string): boolean {
  if (scope.excludeStores.includes(storeId)) return false;
  return scope.stores.length === 0 || scope.stores.includes(storeId);
}
