// A per-store gauge replaced whole from a snapshot. Stores past the label cap share one
// `store="other"` series whose value must still mean something: the sum for counts (how many
// stalled orders the small stores hold together), the maximum for ratios (the worst of them,
// so a threshold alert on the ratio still fires for an unlabelled store).
import type { Gauge as PromGauge } from 'prom-client';
import { type BoundedLabel, OVERFLOW_LABEL_VALUE } from './bounded-label.ts';
import type { StoreSnapshotGauge, StoreValue } from './orderpulse-metrics.ts';

export type OverflowAggregation = 'sum' | 'max';

export function storeSnapshotGauge(
  gauge: PromGauge<'store'>,
  stores: BoundedLabel,
  aggregation: OverflowAggregation,
  onOverflow: (count: number) => void,
): StoreSnapshotGauge {
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
      // reset and refill run synchronously, so no scrape can observe the gauge half-filled
      gauge.reset();
      for (const [store, value] of byLabel) gauge.set({ store }, value);
      if (overflowed > 0) onOverflow(overflowed);
    },
  };
}
