// Everything a scenario depends on. Times are wall-clock epoch ms; `startMs` splits history (sent at
// once, back-dated: event time decides, so what is overdue fires at once) from live traffic.
import type { PaymentProviderName } from './actions.ts';
import { curveShiftFor, type Promotion } from './traffic-curve.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface IncidentConfig {
  /** Callbacks of `provider` paid in [fromMs, toMs) never arrive; those orders stay unpaid. */
  callbackOutage?: { provider: PaymentProviderName; fromMs: number; toMs: number };
  /**
   * Orders paid by WeChat at a till that never reach OrderPulse (漏单): `share` of the WeChat bill's
   * lines, all on `tillsPerStore` tills of `storeShare` of the stores.
   */
  missingOrders?: { share: number; storeShare: number; tillsPerStore: number };
  /** This carrier pushes nothing from `fromMs` on. */
  silentCarrier?: { carrier: string; fromMs: number };
  /** Share of carried-over shipments sent back twice. */
  repeatedReturns?: { share: number };
  /** In `stores` stores, online orders entering picking from `fromMs` on never get packed. */
  pickingStall?: { stores: number; fromMs: number };
  /** Share of online orders that are paid and then never move. */
  paidStall?: { share: number };
  /** Share of orders whose payment arrives but the order system never marks them paid. */
  paymentUnapplied?: { share: number };
}

export interface ScenarioConfig {
  seed: number;
  /** Prefix of every order id, so runs into the same store do not collide; part of what the seed reproduces. */
  runId: string;
  stores: number;
  ordersPerStorePerDay: number;
  /** The moment the run starts: events before it are history, after it live. */
  startMs: number;
  /** Orders are created in [createFromMs, createToMs); createToMs may be Infinity (run until stopped). */
  createFromMs: number;
  createToMs: number;
  /** Online orders from the previous days still on their way, per store (carrier traffic). */
  carryOverPerStore: number;
  promotion?: Promotion;
  /** Plays the diurnal curve this much later than the clock (see chainOrderRate); 0 for real local time. */
  curveShiftMs: number;
  incidents: IncidentConfig;
  /** Share of created orders never paid (closed after 15 minutes). */
  abandonShare: number;
  /** Share of payments through WeChat Pay; the rest through Alipay. */
  wechatShare: number;
}

export interface DefaultScenarioOptions {
  seed?: number;
  stores?: number;
  ordersPerStorePerDay?: number;
  startMs: number;
  /** How much back-dated traffic to send first (default 1 h). */
  historyMs?: number;
  /** Live traffic after the history; Infinity runs until stopped, 0 sends history only. */
  durationMs?: number;
  /** Promotion ×20 starting this long after the start, for 10 minutes; undefined: none. */
  promotionAfterMs?: number;
  runId?: string;
  carryOverPerStore?: number;
  /** Play the diurnal curve as if the run started at this China local hour (0–23). */
  asIfHour?: number;
}

/** The scenario's incidents around `startMs`, so each one is visible within a minute of starting. */
export function defaultScenarioConfig(options: DefaultScenarioOptions): ScenarioConfig {
  const seed = options.seed ?? 20261111;
  const start = options.startMs;
  const history = options.historyMs ?? HOUR;
  const duration = options.durationMs ?? Number.POSITIVE_INFINITY;
  const config: ScenarioConfig = {
    seed,
    runId: options.runId ?? runIdFor(start),
    stores: options.stores ?? 327,
    ordersPerStorePerDay: options.ordersPerStorePerDay ?? 400,
    startMs: start,
    createFromMs: start - history,
    createToMs: start + duration,
    carryOverPerStore: options.carryOverPerStore ?? 3,
    curveShiftMs: options.asIfHour === undefined ? 0 : curveShiftFor(start, options.asIfHour),
    incidents: {
      // 47 minutes, 45 of them already past: callback_silent fires as soon as the history is in.
      callbackOutage: {
        provider: 'wechatpay',
        fromMs: start - Math.min(45 * MINUTE, history),
        toMs: start - Math.min(45 * MINUTE, history) + 47 * MINUTE,
      },
      missingOrders: { share: 0.03, storeShare: 0.12, tillsPerStore: 2 },
      silentCarrier: { carrier: 'yunda', fromMs: start - 50 * HOUR },
      repeatedReturns: { share: 0.04 },
      pickingStall: {
        stores: Math.max(1, Math.round((options.stores ?? 327) / 150)),
        fromMs: start - 2 * HOUR,
      },
      paidStall: { share: 0.004 },
      paymentUnapplied: { share: 0.003 },
    },
    abandonShare: 0.03,
    wechatShare: 0.62,
  };
  if (options.promotionAfterMs !== undefined) {
    const from = start + options.promotionAfterMs;
    config.promotion = { fromMs: from, toMs: from + 10 * MINUTE, factor: 20 };
  }
  return config;
}

/** Minutes since 2026-01-01 in base 36: short, and different for every run started a minute apart. */
export function runIdFor(startMs: number): string {
  return Math.max(0, Math.floor((startMs - Date.UTC(2026, 0, 1)) / MINUTE)).toString(36);
}

export const CARRY_OVER_WINDOW = { fromAgoMs: 4 * DAY, toAgoMs: DAY } as const;
