// Cost of the live panels' per-tick work with 15 minutes of payments in memory: LivePanels'
// prune() and panels() (histogram buckets per minute), next to the same percentiles taken by keeping
// every lag and sorting them on each call, which is how the panel worked before (BENCHMARKS.md §3).
// In one process, on the same lags.
//   npx tsx bench/live-panels-lag.ts [payments per second, default 100,1000]
import type { StoredEvent } from '../collector/src/domain/events.ts';
import { LivePanels } from '../collector/src/live/live-panels.ts';

const RATES = (process.argv[2] ?? '100,1000').split(',').map(Number);
const WINDOW_MS = 15 * 60_000;
const CALLS = 20;
const STORES = 327;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function time(fn: () => void): number {
  const samples: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const started = performance.now();
    fn();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

for (const perSecond of RATES) {
  const panels = new LivePanels('Asia/Shanghai');
  const raw: { at: number; lagMs: number; storeId: string }[] = [];
  const now = Date.now();
  const from = now - WINDOW_MS;
  let n = 0;
  // Payment, then the order reaching paid 0.5–30 s later: one lag sample each.
  for (let second = 0; second < WINDOW_MS / 1000; second++) {
    const batch: StoredEvent[] = [];
    for (let i = 0; i < perSecond; i++) {
      const paidAt = from + second * 1000 + Math.floor((i * 1000) / perSecond);
      const lagMs = 500 + ((n * 7_919) % 29_500);
      const orderId = `o${n}`;
      const storeId = `S${n % STORES}`;
      n++;
      batch.push(
        {
          type: 'payment.notify',
          id: `p${n}`,
          source: 'wechatpay',
          occurredAt: paidAt,
          receivedAt: paidAt,
          orderId,
          storeId,
          provider: 'wechatpay',
          status: 'success',
          amountFen: 1_000,
        } as StoredEvent,
        {
          type: 'order.status',
          id: `s${n}`,
          source: 'pos',
          occurredAt: paidAt + lagMs,
          receivedAt: paidAt + lagMs,
          orderId,
          storeId,
          status: 'paid',
        } as StoredEvent,
      );
      raw.push({ at: paidAt + lagMs, lagMs, storeId });
    }
    panels.applyEvents(batch);
  }
  const rawPercentiles = (storeId?: string) => {
    const lags = raw
      .filter((s) => s.at > now - WINDOW_MS && (!storeId || s.storeId === storeId))
      .map((s) => s.lagMs)
      .sort((a, b) => a - b);
    return [0.5, 0.95].map((p) => lags[Math.min(lags.length - 1, Math.floor(lags.length * p))]! / 1000);
  };
  const chain = panels.panels({}, now).payment_lag;
  const [p50, p95] = rawPercentiles();
  console.log(
    `\n${perSecond.toLocaleString('en')} payments/s, ${n.toLocaleString('en')} lags in 15 min` +
      ` (chain p50/p95: panel ${chain.p50Seconds}/${chain.p95Seconds} s, exact ${p50}/${p95} s), median of ${CALLS} calls:`,
  );
  console.log(`| LivePanels.prune() | ${time(() => panels.prune(now)).toFixed(2)} ms |`);
  console.log(`| LivePanels.panels(all stores) | ${time(() => panels.panels({}, now)).toFixed(2)} ms |`);
  console.log(
    `| LivePanels.panels(one store) | ${time(() => panels.panels({ store_id: 'S7' }, now)).toFixed(2)} ms |`,
  );
  console.log(
    `| baseline: every lag kept, filtered and sorted (all stores) | ${time(() => rawPercentiles()).toFixed(2)} ms |`,
  );
  console.log(
    `| baseline: every lag kept, filtered and sorted (one store) | ${time(() => rawPercentiles('S7')).toFixed(2)} ms |`,
  );
}
