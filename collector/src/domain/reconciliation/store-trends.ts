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

/** Whether a day's missing rate counts against a store or a device. */
export const dayCountsAgainst = (missing: number, payments: number, threshold: number) =>
  rateOf(missing, payments) > threshold;

/** One store's day, all its devices together. */
export interface StoreDayTotals {
  day: string;
  payments: number;
  orders: number;
  missing: number;
  unmatchedOrders: number;
}

/** One device over the range: missing payments, and days whose missing rate is above the threshold. */
export interface DeviceTotals {
  deviceId: string;
  missing: number;
  daysOverThreshold: number;
}

/**
 * What the trends are built from, per store (in any order): the database can sum these itself
 * (reconciliation/store-trend-queries.ts) instead of handing over every device's day.
 */
export interface StoreTotals {
  storeId: string;
  days: StoreDayTotals[];
  devices: DeviceTotals[];
}

/** Missing payments and payments summed over one day (of a device, or of the chain). */
interface DayTotals {
  missing: number;
  payments: number;
}

function addTo(totals: Map<string, DayTotals>, day: string, missing: number, payments: number): void {
  const sums = totals.get(day);
  if (sums) {
    sums.missing += missing;
    sums.payments += payments;
  } else totals.set(day, { missing, payments });
}

/** Sums device days into store totals; `threshold` decides which device days count. */
export function storeTotals(rows: readonly DailyDeviceCounts[], threshold: number): StoreTotals[] {
  // Sums are updated in place: a fresh tuple per row and map made the 59k till-days of a 30-day,
  // 327-store chain spend most of the request in allocation and garbage collection.
  const stores = new Map<
    string,
    { days: Map<string, StoreDayTotals>; devices: Map<string, Map<string, DayTotals>> }
  >();
  for (const r of rows) {
    let store = stores.get(r.storeId);
    if (!store) {
      store = { days: new Map(), devices: new Map() };
      stores.set(r.storeId, store);
    }
    let day = store.days.get(r.day);
    if (!day) {
      day = { day: r.day, payments: 0, orders: 0, missing: 0, unmatchedOrders: 0 };
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
  }
  return [...stores].map(([storeId, store]) => ({
    storeId,
    days: [...store.days.values()],
    devices: [...store.devices].map(([deviceId, perDay]) => {
      let missing = 0;
      let daysOverThreshold = 0;
      for (const sums of perDay.values()) {
        missing += sums.missing;
        if (dayCountsAgainst(sums.missing, sums.payments, threshold)) daysOverThreshold++;
      }
      return { deviceId, missing, daysOverThreshold };
    }),
  }));
}

/** A device's day with missing payments: its missing payments and its payments that day. */
export interface DeviceDayMisses {
  deviceId: string;
  missing: number;
  payments: number;
}

/**
 * A store's devices over a range, from the device lists of its days (every device listed appears,
 * in the order first listed) and only its device days with missing payments: a day without any adds
 * nothing to its device's missing and has a rate of 0, which counts against no threshold of 0 or more.
 */
export function deviceTotalsOfMisses(
  deviceLists: readonly (readonly string[])[],
  misses: Iterable<DeviceDayMisses>,
  threshold: number,
): DeviceTotals[] {
  const devices = new Map<string, DeviceTotals>();
  const deviceOf = (deviceId: string) => {
    let device = devices.get(deviceId);
    if (!device) {
      device = { deviceId, missing: 0, daysOverThreshold: 0 };
      devices.set(deviceId, device);
    }
    return device;
  };
  for (const list of deviceLists) for (const deviceId of list) deviceOf(deviceId);
  for (const m of misses) {
    const device = deviceOf(m.deviceId);
    device.missing += m.missing;
    if (dayCountsAgainst(m.missing, m.payments, threshold)) device.daysOverThreshold++;
  }
  return [...devices.values()];
}

export function storeTrends(
  rows: readonly DailyDeviceCounts[],
  options: TrendOptions,
): { stores: StoreTrend[]; chain: ChainDay[] } {
  return trendsOfTotals(storeTotals(rows, options.threshold), options);
}

/**
 * The trends from per-store totals whose device days were counted with `options.threshold`. The
 * chain is the sum over the stores given (a scoped caller's chain is its own stores).
 */
export function trendsOfTotals(
  totals: readonly StoreTotals[],
  options: TrendOptions,
): { stores: StoreTrend[]; chain: ChainDay[] } {
  const chain = new Map<string, DayTotals>();
  const result: StoreTrend[] = [];
  for (const store of totals) {
    const days: StoreDayTrend[] = store.days
      .map((d) => ({
        day: d.day,
        payments: d.payments,
        orders: d.orders,
        missing: d.missing,
        unmatchedOrders: d.unmatchedOrders,
        rate: rateOf(d.missing, d.payments),
      }))
      .sort((a, b) => (a.day < b.day ? -1 : 1));
    for (const d of days) addTo(chain, d.day, d.missing, d.payments);
    const daysFlagged = days.filter((d) => d.rate > options.threshold).length;
    const devices: DeviceTrend[] = store.devices.map((d) => ({
      deviceId: d.deviceId,
      missing: d.missing,
      daysFlagged: d.daysOverThreshold,
      flagged: d.daysOverThreshold >= options.minDays,
    }));
    devices.sort((a, b) => b.missing - a.missing || (a.deviceId < b.deviceId ? -1 : 1));
    result.push({
      storeId: store.storeId,
      days,
      devices,
      daysFlagged,
      flagged: daysFlagged >= options.minDays,
    });
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
