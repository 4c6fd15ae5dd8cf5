// The wall's order rate, computed once from the minute buckets for the panel and the metrics alike.
import type { OrderMinute } from './events.ts';

export interface OrderRate {
  createdLastMinute: number;
  createdHourAverage: number;
}

/** The newest bucket is still filling, so both figures read the complete minutes before it. */
export function orderRate(minutes: readonly Pick<OrderMinute, 'byStatus'>[]): OrderRate {
  const complete = minutes.slice(0, -1);
  if (complete.length === 0) return { createdLastMinute: 0, createdHourAverage: 0 };
  const created = complete.map((m) => m.byStatus.created ?? 0);
  return {
    createdLastMinute: created[created.length - 1]!,
    createdHourAverage: created.reduce((sum, n) => sum + n, 0) / created.length,
  };
}
