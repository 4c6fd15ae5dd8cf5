// What a scoped token may see: pure. A scope names stores and/or regions; a region names the stores
// whose orders carry it (orders are the only data with a region), so every scope comes down to a
// set of stores, and every check is "is this store in the set". Data that belongs to no store (a
// provider's callback_silent) is visible to every scope: it is nobody's store and everybody's problem.

export interface Scope {
  stores?: readonly string[];
  regions?: readonly string[];
}

/** The stores a scope lets its caller see; undefined: no scope, everything. */
export type VisibleStores = ReadonlySet<string> | undefined;

export function isScoped(scope: Scope | undefined): scope is Scope {
  return scope !== undefined && (scope.stores !== undefined || scope.regions !== undefined);
}

/**
 * The stores a scope sees, given the stores whose orders carry each of its regions
 * (`storesInRegions`, looked up by the caller from the orders).
 */
export function visibleStores(
  scope: Scope | undefined,
  storesInRegions: Iterable<string> = [],
): VisibleStores {
  if (!isScoped(scope)) return undefined;
  const set = new Set(scope.stores ?? []);
  if (scope.regions !== undefined) for (const store of storesInRegions) set.add(store);
  return set;
}

/** Whether data of `storeId` (null: no store) may be shown. */
export function storeVisible(visible: VisibleStores, storeId: string | null | undefined): boolean {
  if (visible === undefined) return true;
  if (storeId === null || storeId === undefined || storeId === '') return true;
  return visible.has(storeId);
}

/**
 * Whether data that must name a store (an order, a shipment, a pending bill item) may be shown:
 * unlike `storeVisible`, a scoped caller does not see data of no store.
 */
export function storeBoundVisible(visible: VisibleStores, storeId: string | null | undefined): boolean {
  if (visible === undefined) return true;
  return storeId !== null && storeId !== undefined && visible.has(storeId);
}

/**
 * The store filter a list query should use: the caller's own `store_id` (if any) within the scope.
 * Undefined: nothing can match (a scoped caller asked for a store outside its scope).
 */
export function storeFilter(
  visible: VisibleStores,
  requested: string | undefined,
): { storeId?: string; stores?: string[] } | undefined {
  if (visible === undefined) return requested === undefined ? {} : { storeId: requested };
  if (requested !== undefined) return visible.has(requested) ? { storeId: requested } : undefined;
  return { stores: [...visible].sort() };
}

/** Same scopes (order aside): a token whose scope changed is a different identity for its sockets. */
export function sameScope(a: Scope | undefined, b: Scope | undefined): boolean {
  const key = (s: Scope | undefined) =>
    JSON.stringify([s?.stores ? [...s.stores].sort() : null, s?.regions ? [...s.regions].sort() : null]);
  return key(a) === key(b);
}

/**
 * Whether a silence is within the scope: its `store_id` matcher names, by equality, one of the
 * scope's stores or no store (`""`, the store-less alerts). A silence without one reaches every
 * store, so it is neither made by nor shown to a scoped caller.
 */
export function silenceVisible(
  visible: VisibleStores,
  matchers: Readonly<Record<string, string | { op: string; value: string }>>,
): boolean {
  if (visible === undefined) return true;
  const store = matchers.store_id;
  if (store === undefined) return false;
  const value = typeof store === 'string' ? store : store.op === '=' ? store.value : undefined;
  return value !== undefined && (value === '' || visible.has(value));
}
