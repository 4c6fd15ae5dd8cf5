// Per-store missing-order trends over a date range: the daily rate of payments with no order (漏单),
// and the repeat offenders — stores and devices above the threshold on several days — that the
// chain's operations team visits first.

export interface DailyDeviceCounts {
  day: string;
  storeId: string;
  deviceId: string;
  payments: number;
  orders: number;
  unmatchedPayments: number;
  unmatchedOrders: number;
}

export interface TrendOptions {
  /** A day counts against a store or device when its missing rate is above this (0..1). Default 0.01. */
  threshold: number;
  /** Flagged as a repeat offender from this many such days in the range. Default 2. */
  minDays: number;
}

export interface StoreDayTrend {
  day: string;
  payments: number;
  orders: number;
  /** Payments with no order. */
  missing: number;
  unmatchedOrders: number;
  /** missing / payments (0 with no payments). */
  rate: number;
}

export interface DeviceTrend {
  deviceId: string;
  missing: number;
  daysFlagged: number;
  flagged: boolean;
}

export interface StoreTrend {
  storeId: string;
  days: StoreDayTrend[];
  devices: DeviceTrend[];
  daysFlagged: number;
  flagged: boolean;
}

export interface ChainDay {
  day: string;
  rate: number;
}

const rateOf = (missing: number, payments: number) => (payments === 0 ? 0 : missing / payments);

/** Missing payments and payments summed over one day (of a device, or of the chain). */
interface DayTotals {
  missing: number;
  payments: number;
}

interface StoreTotals {
  days: Map<string, StoreDayTrend>;
  devices: Map<string, Map<string, DayTotals>>;
}

function addTo(totals: Map<string, DayTotals>, day: string, missing: number, payments: number): void {
  const sums = totals.get(day);
  if (sums) {
    sums.missing += missing;
    sums.payments += payments;
  } else totals.set(day, { missing, payments });
}

export function storeTrends(
  rows: readonly DailyDeviceCounts[],
  options: TrendOptions,
): { stores: StoreTrend[]; chain: ChainDay[] } {
  // Sums are updated in place: a fresh tuple per row and map made the 59k till-days of a 30-day,
  // 327-store chain spend most of the request in allocation and garbage collection.
  const stores = new Map<string, StoreTotals>();
  const chain = new Map<string, DayTotals>();
  for (const r of rows) {
    let store = stores.get(r.storeId);
    if (!store) {
      store = { days: new Map(), devices: new Map() };
      stores.set(r.storeId, store);
    }
    let day = store.days.get(r.day);
    if (!day) {
      day = { day: r.day, payments: 0, orders: 0, missing: 0, unmatchedOrders: 0, rate: 0 };
      store.days.set(r.day, day);
    }
    day.payments += r.payments;
    day.orders += r.orders;
    day.missing += r.unmatchedPayments;
    day.unmatchedOrders += r.unmatchedOrders;
    let device = store.devices.get(r.deviceId);
    if (!device) {
      device = new Map();
      store.devices.set(r.deviceId, device);
    }
    addTo(device, r.day, r.unmatchedPayments, r.payments);
    addTo(chain, r.day, r.unmatchedPayments, r.payments);
  }

  const result: StoreTrend[] = [];
  for (const [storeId, store] of stores) {
    const days = [...store.days.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
    for (const d of days) d.rate = rateOf(d.missing, d.payments);
    const daysFlagged = days.filter((d) => d.rate > options.threshold).length;
    const devices: DeviceTrend[] = [];
    for (const [deviceId, perDay] of store.devices) {
      let missing = 0;
      let flaggedDays = 0;
      for (const sums of perDay.values()) {
        missing += sums.missing;
        if (rateOf(sums.missing, sums.payments) > options.threshold) flaggedDays++;
      }
      devices.push({ deviceId, missing, daysFlagged: flaggedDays, flagged: flaggedDays >= options.minDays });
    }
    devices.sort((a, b) => b.missing - a.missing || (a.deviceId < b.deviceId ? -1 : 1));
    result.push({ storeId, days, devices, daysFlagged, flagged: daysFlagged >= options.minDays });
  }
  result.sort(
    (a, b) =>
      Number(b.flagged) - Number(a.flagged) ||
      b.daysFlagged - a.daysFlagged ||
      (a.storeId < b.storeId ? -1 : 1),
  );
  const chainDays = [...chain]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([day, sums]) => ({ day, rate: rateOf(sums.missing, sums.payments) }));
  return { stores: result, chain: chainDays };
}
