// Turns a caller's scope into the stores it sees. Region scopes are looked up in the orders and
// remembered a few seconds, so a new store of the region is seen soon and a busy dashboard does not
// ask for it on every request.
import type { Queryable } from '../store/database.ts';
import { storesInRegions } from '../store/stores-in-regions.ts';
import { isScoped, type Scope, type VisibleStores, visibleStores } from './scope.ts';

const FRESH_MS = 5_000;

export class VisibleStoresResolver {
  private readonly cache = new Map<string, { at: number; stores: Promise<string[]> }>();

  constructor(
    private readonly db: Queryable,
    private readonly now: () => number = Date.now,
  ) {}

  async of(scope: Scope | undefined): Promise<VisibleStores> {
    if (!isScoped(scope)) return undefined;
    if (scope.regions === undefined) return visibleStores(scope);
    return visibleStores(scope, await this.inRegions(scope.regions));
  }

  private inRegions(regions: readonly string[]): Promise<string[]> {
    const key = JSON.stringify([...regions].sort());
    const now = this.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < FRESH_MS) return hit.stores;
    const stores = storesInRegions(this.db, regions);
    // A failed look-up is not remembered: the next request asks again.
    stores.catch(() => this.cache.delete(key));
    this.cache.set(key, { at: now, stores });
    return stores;
  }
}
