// A per-store gauge replaced whole from a snapshot. Stores past the label cap share one
// `store="other"` series whose value must still mean something: the sum for counts (how many
// stalled orders the small stores hold together), the maximum for ratios (the worst of them,
// so a threshold alert on the ratio still fires for an unlabelled store).
//
// The scrape reads the values built at the last replace: hundreds of stores change a few times
// a minute but are scraped every few seconds, so a prom-client Gauge (which rebuilds every
// series object per scrape from its hash map) did that work many times over.
import type { MetricValue, Registry } from 'prom-client';
import { type BoundedLabel, OVERFLOW_LABEL_VALUE } from './bounded-label.ts';
import type { StoreSnapshotGauge, StoreValue } from './orderpulse-metrics.ts';

export type OverflowAggregation = 'sum' | 'max';

export interface StoreSnapshotFamily {
  name: string;
  help: string;
  registry: Registry;
}

export function storeSnapshotGauge(
  family: StoreSnapshotFamily,
  stores: BoundedLabel,
  aggregation: OverflowAggregation,
  onOverflow: (count: number) => void,
): StoreSnapshotGauge {
  let collected = {
    name: family.name,
    help: family.help,
    type: 'gauge',
    aggregator: 'sum',
    values: [] as MetricValue<'store'>[],
  };
  // The registry only reads name, help, type, aggregator and get().
  family.registry.registerMetric({
    name: family.name,
    help: family.help,
    type: 'gauge',
    aggregator: 'sum',
    get: async () => collected,
  } as unknown as Parameters<Registry['registerMetric']>[0]);
  return {
    replace(values: readonly StoreValue[]): void {
      const byLabel = new Map<string, number>();
      let overflowed = 0;
      for (const { store, value } of values) {
        const label = stores.value(store);
        if (label === OVERFLOW_LABEL_VALUE && store !== OVERFLOW_LABEL_VALUE) overflowed += 1;
        const previous = byLabel.get(label);
        if (previous === undefined) byLabel.set(label, value);
        else byLabel.set(label, aggregation === 'sum' ? previous + value : Math.max(previous, value));
      }
      // a new snapshot object, so a scrape in flight keeps the one it started with
      collected = {
        ...collected,
        values: Array.from(byLabel, ([store, value]) => ({ labels: { store }, value })),
      };
      if (overflowed > 0) onOverflow(overflowed);
    },
  };
}
