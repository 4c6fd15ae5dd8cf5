// The caller's scope at the HTTP edge: which stores it sees, and the 404 for what lies outside.
// What "in scope" means is auth/scope.ts; this file only asks and refuses.
import { isScoped, storeBoundVisible, storeVisible, type VisibleStores } from '../auth/scope.ts';
import type { Principal } from '../auth/tokens.ts';
import type { AppContext } from './context.ts';
import { errors } from './errors.ts';

/** The stores the caller sees; undefined for an unscoped token. */
export function visibleTo(ctx: AppContext, principal: Principal): Promise<VisibleStores> {
  return ctx.scopes.of(principal);
}

/**
 * Refuses what the caller may not see exactly as if it did not exist: a 404, so a scoped token
 * cannot learn that another store's order or alert is there. `storeBound`: data that must name a
 * store (an order, a shipment) is not shown to a scoped caller when it names none.
 */
export function requireVisible(
  visible: VisibleStores,
  storeId: string | null | undefined,
  what: string,
  storeBound = false,
): void {
  const ok = storeBound ? storeBoundVisible(visible, storeId) : storeVisible(visible, storeId);
  if (!ok) throw errors.notFound(what);
}

/** A scoped operator may not act on chain-wide things (a bill of every store). */
export function requireUnscoped(visible: VisibleStores): void {
  if (visible !== undefined) throw errors.forbidden('a token not scoped to stores or regions');
}

/** Allowed to an unscoped token only: `reason` says why, for a scoped caller who has the role. */
export function requireChainWide(principal: Principal, reason: string): void {
  if (isScoped(principal))
    throw errors.forbiddenByScope(`${reason}, so it needs an admin token not scoped to stores or regions`);
}
