// Hash routing: `/` (no hash) is the wall display; pages live under `#/…`, so the collector serves
// one index.html and the query string (`?lang=`, `?token=`, wall options) survives navigation.
export type Route =
  | { page: 'wall' }
  | { page: 'signin' }
  | { page: 'alerts' }
  | { page: 'oncall'; alertId: string }
  | { page: 'order'; orderId: string | null }
  | { page: 'stores' }
  | { page: 'incidents' }
  | { page: 'reconciliation' }
  | { page: 'rules' };

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#\/?/, '').split('?')[0] ?? '';
  const [head = '', ...rest] = path.split('/');
  switch (head) {
    case 'signin':
      return { page: 'signin' };
    case 'alerts':
      return { page: 'alerts' };
    case 'on-call':
      return rest[0] ? { page: 'oncall', alertId: decodeURIComponent(rest[0]) } : { page: 'alerts' };
    case 'orders':
      return { page: 'order', orderId: rest[0] ? decodeURIComponent(rest.join('/')) : null };
    case 'stores':
      return { page: 'stores' };
    case 'incidents':
      return { page: 'incidents' };
    case 'reconciliation':
      return { page: 'reconciliation' };
    case 'rules':
      return { page: 'rules' };
    default:
      return { page: 'wall' };
  }
}

export function orderHref(orderId: string): string {
  return `#/orders/${encodeURIComponent(orderId)}`;
}

/** One alert on a phone: what the notifications' links open (collector `alertPageUrlFor`). */
export function alertPageHref(alertId: string): string {
  return `#/on-call/${encodeURIComponent(alertId)}`;
}
/** Callback outages and their recovery by provider queries. */
export const INCIDENTS_HREF = '#/incidents';
