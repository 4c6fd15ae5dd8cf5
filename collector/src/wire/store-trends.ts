// GET /v1/reconciliation/stores: each store's daily missing-order rate, its devices, the chain's average.
import { type Static, Type } from '@sinclair/typebox';

const DAY = '^\\d{4}-\\d{2}-\\d{2}$';

export const StoreTrendsQuery = Type.Object({
  from: Type.Optional(Type.String({ pattern: DAY })),
  to: Type.Optional(Type.String({ pattern: DAY })),
  threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  min_days: Type.Integer({ minimum: 1, maximum: 366, default: 2 }),
});
export type StoreTrendsQuery = Static<typeof StoreTrendsQuery>;

export const StoreDay = Type.Object({
  day: Type.String(),
  payments: Type.Integer(),
  orders: Type.Integer(),
  /** Payments with no order. */
  missing: Type.Integer(),
  unmatched_orders: Type.Integer(),
  /** missing / payments, 0..1 (0 with no payments). */
  rate: Type.Number(),
});
export type StoreDay = Static<typeof StoreDay>;

export const StoreDevice = Type.Object({
  /** The till (WeChat Pay 设备号, Alipay 终端号); '' for the bill lines that named none. */
  device_id: Type.String(),
  missing: Type.Integer(),
  days_flagged: Type.Integer(),
  flagged: Type.Boolean(),
});
export type StoreDevice = Static<typeof StoreDevice>;

export const StoreTrend = Type.Object({
  store_id: Type.String(),
  /** A repeat offender: above the threshold on at least min_days days. */
  flagged: Type.Boolean(),
  days_flagged: Type.Integer(),
  days: Type.Array(StoreDay),
  devices: Type.Array(StoreDevice),
});
export type StoreTrend = Static<typeof StoreTrend>;

export const ChainDay = Type.Object({ day: Type.String(), rate: Type.Number() });
export type ChainDay = Static<typeof ChainDay>;

export const StoresReport = Type.Object({
  from: Type.String(),
  to: Type.String(),
  threshold: Type.Number(),
  min_days: Type.Integer(),
  stores: Type.Array(StoreTrend),
  chain: Type.Array(ChainDay),
});
export type StoresReport = Static<typeof StoresReport>;
