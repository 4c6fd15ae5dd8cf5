// Heap per tracked open order in the RuleEngine, restore time, tick latency with that many, and
// heap per tracked shipment: `node --expose-gc --import tsx bench/engine-memory.ts [n]`
// Orders are `paid` with an amount and a region (a realistic open order with a live deadline).
import { DeadlineQueue } from '../collector/src/domain/deadlines.ts';
import type { ShipmentUpdateEvent } from '../collector/src/domain/events.ts';
import type { OrderState } from '../collector/src/domain/order-lifecycle.ts';
import { RuleEngine } from '../collector/src/domain/rules/engine.ts';
import { DEFAULT_RULE_PARAMS } from '../collector/src/domain/rules/params.ts';
import { applyShipmentEvent, type ShipmentState } from '../collector/src/domain/rules/shipment-state.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const n = Number(process.argv[2] ?? 1_000_000);
const base = Date.UTC(2026, 10, 11);
const stores = Array.from({ length: 327 }, (_, i) => `S${String(i).padStart(3, '0')}`);
const regions = ['GD', 'ZJ', 'SH', 'BJ', 'XZ'];
// Ids as they arrive from JSON.parse: flat strings (a template literal would build a rope).
const orderId = (i: number): string => JSON.parse(`"O2026111100${String(i).padStart(8, '0')}"`);

function ordersToRestore(): OrderState[] {
  const out: OrderState[] = [];
  for (let i = 0; i < n; i++) {
    const at = base + (i % 3_600_000);
    out.push({
      orderId: orderId(i),
      storeId: stores[i % stores.length]!,
      status: 'paid',
      statusAt: at,
      createdAt: at - 5000,
      paidAt: at,
      paymentAt: at,
      amountFen: 1000 + (i % 50_000),
      amountAt: at - 5000,
      region: regions[i % regions.length]!,
      regionAt: at - 5000,
      channel: undefined,
      channelAt: undefined,
      updatedAt: at,
    });
  }
  return out;
}

// 0) Heap per tracked shipment through the ingest path (the columnar shipment table and a slot-keyed
//    deadline each), n/10 of them: open orders have at most one, and fewer are in transit than are
//    open. Baseline in the same run: the same shipments as the engine kept them before the table,
//    plain ShipmentState objects in a Map by composite key with a string-keyed deadline each.
//    Measured first, on a quiet heap; printed last.
const shipmentCount = Math.max(1, Math.floor(n / 10));
function shipmentEvent(i: number): ShipmentUpdateEvent & { receivedAt: number } {
  const at = base + (i % 3_600_000);
  return {
    id: `s${i}`,
    source: 'kuaidi100',
    type: 'shipment.update',
    occurredAt: at,
    receivedAt: at,
    orderId: orderId(i),
    storeId: stores[i % stores.length]!,
    carrier: 'sf',
    trackingNo: JSON.parse(`"SF${String(i).padStart(10, '0')}"`),
    state: 'in_transit',
    location: '广东省深圳市',
  };
}
// Read after two full GCs: with one, the same code gave 182 or 138 B per shipment from run to run
// under load, all of the difference in arrayBuffers (likely V8 freeing the columns' grown-away
// copies on a background thread not yet done); with two, 138 B every time.
function settledMemory(): NodeJS.MemoryUsage {
  gc!();
  gc!();
  return process.memoryUsage();
}
function heapDelta(build: () => unknown): {
  held: unknown;
  bytesPerShipment: number;
  bufferBytesPerShipment: number;
} {
  const start = settledMemory();
  const held = build();
  const end = settledMemory();
  const buffers = end.arrayBuffers - start.arrayBuffers;
  const bytes = end.heapUsed - start.heapUsed + buffers;
  return {
    held,
    bytesPerShipment: Math.round(bytes / shipmentCount),
    bufferBytesPerShipment: Math.round(buffers / shipmentCount),
  };
}
function measureShipments(): { carrierEngine: RuleEngine; line: string } {
  const table = heapDelta(() => {
    const carrierEngine = new RuleEngine(DEFAULT_RULE_PARAMS);
    for (let i = 0; i < shipmentCount; i++) carrierEngine.ingest(shipmentEvent(i), base);
    return carrierEngine;
  });
  const carrierEngine = table.held as RuleEngine;
  const plain = heapDelta(() => {
    const shipments = new Map<string, ShipmentState>();
    const deadlines = new DeadlineQueue(1024);
    for (let i = 0; i < shipmentCount; i++) {
      const state = applyShipmentEvent(undefined, shipmentEvent(i));
      shipments.set(state.key, state);
      deadlines.schedule(state.key, state.lastUpdateAt + 86_400_000, 0);
    }
    return [shipments, deadlines];
  });
  const line = JSON.stringify({
    path: 'shipments',
    tracked: carrierEngine.trackedCount(),
    bytesPerShipment: table.bytesPerShipment,
    ofWhichArrayBuffers: table.bufferBytesPerShipment,
    plainObjectsBytesPerShipment: plain.bytesPerShipment,
  });
  return { carrierEngine, line };
}
const shipmentMeasure = measureShipments();

// 1) Heap per order through the ingest path (what a running collector holds).
gc();
let before = process.memoryUsage();
const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
const ingestStarted = performance.now();
for (let i = 0; i < n; i++) {
  const at = base + (i % 3_600_000);
  engine.ingest(
    {
      id: `e${i}`,
      source: 'oms',
      type: 'order.status',
      occurredAt: at,
      receivedAt: at,
      orderId: orderId(i),
      storeId: stores[i % stores.length]!,
      status: 'paid',
      amountFen: 1000 + (i % 50_000),
      region: regions[i % regions.length]!,
    },
    base,
  );
}
const ingestMs = performance.now() - ingestStarted;
gc();
const after = process.memoryUsage();
const perOrder = (after.heapUsed - before.heapUsed + after.arrayBuffers - before.arrayBuffers) / n;
console.log(
  JSON.stringify({
    path: 'ingest',
    tracked: engine.trackedCount(),
    bytesPerOrder: Math.round(perOrder),
    eventsPerSecond: Math.round(n / (ingestMs / 1000)),
  }),
);

// 2) Tick cost with n tracked, ticking every 50 ms of event time from the first deadline on
//    (~1,000 of the orders fall due per second here, so ~50 per tick). p50/p99 over the ticks.
const tickMs: number[] = [];
let firedTotal = 0;
for (let now = base + 2 * 60_000; now < base + 2 * 60_000 + 20_000; now += 50) {
  const t0 = performance.now();
  firedTotal += engine.tick(now).length;
  tickMs.push(performance.now() - t0);
}
tickMs.sort((x, y) => x - y);
const pct = (q: number) => +tickMs[Math.min(tickMs.length - 1, Math.floor(q * tickMs.length))]!.toFixed(3);
console.log(
  JSON.stringify({
    ticks: tickMs.length,
    firedTotal,
    tickP50Ms: pct(0.5),
    tickP99Ms: pct(0.99),
    tickMaxMs: pct(1),
  }),
);

// 3) Restore of n stored open orders into a fresh engine.
const stored = ordersToRestore();
gc();
before = process.memoryUsage();
let t = performance.now();
const restored = new RuleEngine(DEFAULT_RULE_PARAMS);
restored.restore(stored, [], base);
const restoreMs = performance.now() - t;
t = performance.now();
const firedAfterRestore = restored.tick(base + 2 * 60_000 + 999).length;
const firstTickMs = performance.now() - t;
console.log(
  JSON.stringify({
    path: 'restore',
    n,
    restoreMs: Math.round(restoreMs),
    firstTickMs: Math.round(firstTickMs),
    firedAfterRestore,
  }),
);

console.log(shipmentMeasure.line);
