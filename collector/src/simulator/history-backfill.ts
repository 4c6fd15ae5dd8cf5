// The demo's past month: for each China local day, the in-store sales a merchant's order system
// would have reported, and the day's WeChat trade bill — with a few stores whose one till keeps losing orders (漏单) on most days, so the managers'
// page has trends, a chain average and repeat offenders from the first minute.
//
// Everything about a day is drawn from (seed, day) alone: a run on a later date plans the days it
// shares with an earlier run identically (same ids, same bill bytes), so sending them again changes
// nothing.
import type { BillLine, WireEvent } from './actions.ts';
import type { Chain } from './chain.ts';
import { Prng } from './prng.ts';
import { chinaDayStart, chinaIso } from './traffic-curve.ts';

const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface RepeatOffender {
  storeId: string;
  /** The till whose orders do not reach the order system. */
  tillId: string;
}

export interface BackfillConfig {
  seed: number;
  chain: Chain;
  /** Mean WeChat Pay in-store orders per store and day (a store's size scales it). */
  ordersPerStorePerDay: number;
  offenders: readonly RepeatOffender[];
  /** Share of days on which an offender's till loses orders. */
  badDayShare: number;
  /** On such a day, the chance that one of that till's orders is lost. */
  missingShare: number;
}

export interface BackfillDay {
  /** `yyyy-MM-dd`, China local. */
  day: string;
  /** One `order.status` per sale that reached the order system. */
  statusEvents: WireEvent[];
  /** The day's WeChat trade bill: every payment, the lost orders' included. */
  billLines: BillLine[];
  /** Bill lines whose order never reached OrderPulse. */
  missing: number;
}

/** The `count` China local days before the one containing `nowMs`, oldest first. */
export function daysBefore(nowMs: number, count: number): string[] {
  const today = chinaDayStart(nowMs);
  return Array.from({ length: count }, (_, i) =>
    new Date(today - (count - i) * DAY + 8 * HOUR).toISOString().slice(0, 10),
  );
}

/**
 * `count` stores drawn from the seed, each with the one till that loses orders. They are drawn from
 * the busier half of the chain: a till that sells once a day would lose too few sales to show a pattern.
 */
export function repeatOffenders(seed: number, chain: Chain, count: number): RepeatOffender[] {
  const rng = Prng.derive(seed, 'backfill-offenders');
  const busy = chain.stores.filter((s) => s.weight >= 1);
  const pool = busy.length >= count ? busy : [...chain.stores];
  const out: RepeatOffender[] = [];
  while (out.length < count && pool.length > 0) {
    const [store] = pool.splice(rng.int(0, pool.length - 1), 1);
    if (store && store.tills.length > 0) out.push({ storeId: store.id, tillId: rng.pick(store.tills) });
  }
  return out.sort((a, b) => a.storeId.localeCompare(b.storeId));
}

/** Opening hours, China local: orders fall between 09:00 and 22:00. */
const OPEN_FROM_MS = 9 * HOUR;
const OPEN_FOR_MS = 13 * HOUR;

export function planBackfillDay(config: BackfillConfig, day: string): BackfillDay {
  const dayStart = Date.parse(`${day}T00:00:00+08:00`);
  const compact = day.replace(/-/g, '');
  const offenderTill = new Map(config.offenders.map((o) => [o.storeId, o.tillId]));
  const out: BackfillDay = { day, statusEvents: [], billLines: [], missing: 0 };
  for (const store of config.chain.stores) {
    // One stream per store and day: the chain's size or another store never shifts this one's draws.
    const rng = Prng.derive(config.seed, 'backfill', day, store.id);
    const lossyTill = offenderTill.get(store.id);
    const badDay = lossyTill !== undefined && rng.chance(config.badDayShare);
    const count = Math.max(1, Math.round(store.weight * config.ordersPerStorePerDay * rng.between(0.7, 1.3)));
    for (let i = 0; i < count; i++) {
      const orderId = `H${compact}-${store.id}-${String(i).padStart(3, '0')}`;
      const tillId = rng.pick(store.tills);
      const paidAt = Math.floor(dayStart + OPEN_FROM_MS + rng.next() * OPEN_FOR_MS);
      const amountFen = Math.round(rng.logNormal(4200, 0.6));
      const transactionId = `42000${rng.digits(23)}`;
      const payer = `o${rng.alphanumeric(27)}`;
      const lost = badDay && tillId === lossyTill && rng.chance(config.missingShare);
      out.billLines.push({
        paidAt,
        transactionId,
        orderId,
        storeId: store.id,
        tillId,
        amountFen,
        tradeType: 'MICROPAY',
        payer,
      });
      if (lost) {
        out.missing++;
        continue;
      }
      // A till sale is paid and handed over on the spot: the order system reports it once, delivered,
      // with its amount (no created/paid steps to watch, and one event per sale keeps the month small).
      const deliveredAt = paidAt + Math.floor(rng.between(20, 120) * SECOND);
      out.statusEvents.push(
        statusEvent(orderId, store.id, 'delivered', deliveredAt, { amount_fen: amountFen, channel: 'pos' }),
      );
    }
  }
  out.billLines.sort((a, b) => a.paidAt - b.paidAt || a.orderId.localeCompare(b.orderId));
  return out;
}

function statusEvent(
  orderId: string,
  storeId: string,
  status: string,
  at: number,
  extra: Record<string, unknown> = {},
): WireEvent {
  return {
    id: `${orderId}:${status}`,
    type: 'order.status',
    occurred_at: chinaIso(at),
    order_id: orderId,
    store_id: storeId,
    status,
    ...extra,
  } as WireEvent;
}
