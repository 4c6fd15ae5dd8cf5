// The wall display's URL options: `?rotate=store|region&interval=30&store=&region=`.
import type { LiveFilter } from '../../../collector/src/live/events.ts';

export type RotateBy = 'store' | 'region';

export interface WallParams {
  rotate: RotateBy | null;
  /** Seconds each store/region stays on screen when rotating. */
  intervalSeconds: number;
  filter: LiveFilter;
}

const DEFAULT_INTERVAL_SECONDS = 30;
const MIN_INTERVAL_SECONDS = 5;

export function parseWallParams(search: string): WallParams {
  const q = new URLSearchParams(search);
  const rotateRaw = q.get('rotate');
  const rotate: RotateBy | null = rotateRaw === 'store' || rotateRaw === 'region' ? rotateRaw : null;
  const interval = Number(q.get('interval'));
  const filter: LiveFilter = {};
  const store = q.get('store');
  const region = q.get('region');
  if (store) filter.store_id = store;
  if (region) filter.region = region;
  return {
    rotate,
    intervalSeconds:
      Number.isFinite(interval) && interval > 0
        ? Math.max(MIN_INTERVAL_SECONDS, interval)
        : DEFAULT_INTERVAL_SECONDS,
    filter,
  };
}

/** The filter for step `step` of a rotation over `scopes`; the fixed filter when there is nothing to rotate. */
export function rotationFilter(
  rotate: RotateBy,
  scopes: { stores: string[]; regions: string[] },
  step: number,
  fixed: LiveFilter,
): LiveFilter {
  const list = rotate === 'store' ? scopes.stores : scopes.regions;
  if (list.length === 0) return fixed;
  const value = list[((step % list.length) + list.length) % list.length]!;
  return rotate === 'store' ? { ...fixed, store_id: value } : { ...fixed, region: value };
}
