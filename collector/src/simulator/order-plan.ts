// One order's life as actions: created → paid (the provider's callback first, the order system's
// `paid` a few seconds later) → picking → packed → shipped → carrier checkpoints → delivered, with
// realistic gaps; or one of the scripted incidents cutting it short. Every order draws from its own
// generator, so adding or removing an order never changes another.
import type {
  Action,
  BillLine,
  CarrierCheckpoint,
  IncidentKind,
  PaymentCallback,
  WireEvent,
} from './actions.ts';
import { deliveredTrack, pickCarrier, returnedTwiceTrack } from './carrier-track.ts';
import { PROVINCES, type Store } from './chain.ts';
import { Prng } from './prng.ts';
import type { ScenarioConfig } from './scenario-config.ts';
import { chinaDay, chinaIso } from './traffic-curve.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Limits of the built-in rules (their default parameters), to say when an incident becomes an alert. */
export const RULE_LIMITS = {
  paymentUnapplied: 2 * MINUTE,
  paidStall: 2 * MINUTE,
  pickingStall: 30 * MINUTE,
  trackingSilent: 48 * HOUR,
} as const;

export interface OrderContext {
  config: ScenarioConfig;
  /** Tills whose orders may go missing, and the chance that one does. */
  leakyTills: ReadonlySet<string>;
  missingProbability: number;
  stalledStores: ReadonlySet<string>;
}

export interface PlannedOrder {
  orderId: string;
  storeId: string;
  createdAt: number;
  actions: Action[];
  /** The WeChat bill line, when the customer paid through WeChat Pay. */
  billLine?: BillLine;
  incident?: IncidentKind;
  /** When the customer paid, if they did. */
  paymentAt?: number;
  /** The payment as the provider knows it, whether or not its callback reaches the collector. */
  payment?: PaymentCallback;
  /** When the incident's alert condition starts to hold (event time). */
  conditionAt?: number;
}

type Channel = 'pos' | 'miniapp' | 'app';

function pickChannel(rng: Prng): Channel {
  const r = rng.next();
  return r < 0.45 ? 'pos' : r < 0.8 ? 'miniapp' : 'app';
}

const TRADE_TYPE: Record<Channel, { wechatpay: string; alipay: string }> = {
  pos: { wechatpay: 'MICROPAY', alipay: 'FACE_TO_FACE_PAYMENT' },
  miniapp: { wechatpay: 'JSAPI', alipay: 'JSAPI' },
  app: { wechatpay: 'APP', alipay: 'QUICK_MSECURITY_PAY' },
};

function statusEvent(
  orderId: string,
  storeId: string,
  status: string,
  at: number,
  extra: Record<string, unknown> = {},
): Action {
  const event = {
    id: `${orderId}:${status}`,
    type: 'order.status',
    occurred_at: chinaIso(at),
    order_id: orderId,
    store_id: storeId,
    status,
    ...extra,
  } as WireEvent;
  return { kind: 'event', at: Math.floor(at), event };
}

function pushesFor(
  rng: Prng,
  orderId: string,
  carrier: string,
  trackingNo: string,
  track: readonly CarrierCheckpoint[],
): Action[] {
  // Kuaidi100 pushes a little after each checkpoint, always with the whole history so far.
  return track.map((checkpoint, i) => ({
    kind: 'carrier' as const,
    at: Math.floor(checkpoint.at + rng.between(20, 600) * SECOND),
    push: { carrier, trackingNo, orderId, checkpoints: track.slice(0, i + 1) },
  }));
}

/**
 * `carryOver`: an online order from the previous days still being delivered; its payment is long
 * reconciled, so only its statuses and carrier checkpoints are sent.
 */
export function planOrder(
  ctx: OrderContext,
  store: Store,
  orderId: string,
  createdAt: number,
  carryOver: boolean,
): PlannedOrder {
  const { config } = ctx;
  const incidents = config.incidents;
  const rng = Prng.derive(config.seed, orderId);
  const channel: Channel = carryOver ? (rng.chance(0.6) ? 'miniapp' : 'app') : pickChannel(rng);
  const online = channel !== 'pos';
  const tillId = online ? '' : rng.pick(store.tills);
  const provider = rng.chance(config.wechatShare) ? 'wechatpay' : 'alipay';
  const amountFen = Math.max(100, Math.round(rng.logNormal(online ? 9800 : 4500, 0.6)));
  const destination =
    online && rng.chance(0.3) ? rng.pick(PROVINCES) : PROVINCES.find((p) => p.name === store.province)!;
  const destinationCity = destination.name === store.province ? store.city : rng.pick(destination.cities);
  const storeId = store.id;
  const plan: PlannedOrder = { orderId, storeId, createdAt, actions: [] };
  const actions = plan.actions;
  const created = statusEvent(orderId, storeId, 'created', createdAt, {
    amount_fen: amountFen,
    region: destination.name,
    channel,
  });

  if (rng.chance(config.abandonShare)) {
    actions.push(created, statusEvent(orderId, storeId, 'closed', createdAt + 15 * MINUTE));
    return plan;
  }
  const payAt = Math.floor(
    createdAt +
      (online
        ? 8 * SECOND + Math.min(rng.exponential(40 * SECOND), 10 * MINUTE)
        : rng.between(5, 40) * SECOND),
  );
  plan.paymentAt = payAt;
  const callback: PaymentCallback = {
    provider,
    orderId,
    storeId,
    tillId,
    transactionId:
      provider === 'wechatpay'
        ? `42000${rng.digits(23)}`
        : `${chinaDay(payAt).replace(/-/g, '')}22001${rng.digits(15)}`,
    notifyId: provider === 'wechatpay' ? uuidLike(rng) : rng.alphanumeric(32).toLowerCase(),
    amountFen,
    paidAt: payAt,
    tradeType: TRADE_TYPE[channel][provider],
    payer: provider === 'wechatpay' ? `o${rng.alphanumeric(27)}` : `2088${rng.digits(12)}`,
  };
  if (provider === 'wechatpay' && !carryOver) {
    plan.billLine = {
      paidAt: payAt,
      transactionId: callback.transactionId,
      orderId,
      storeId,
      tillId,
      amountFen,
      tradeType: callback.tradeType,
      payer: callback.payer,
    };
  }
  plan.payment = callback;
  const callbackAction: Action = {
    kind: 'payment',
    at: Math.floor(payAt + rng.between(0.3, 2.5) * SECOND),
    callback,
  };

  // Incidents, drawn in a fixed order so the same seed always hits the same orders.
  const missingRoll = rng.next();
  const unappliedRoll = rng.next();
  const paidStallRoll = rng.next();
  const returnsRoll = rng.next();
  if (
    !carryOver &&
    provider === 'wechatpay' &&
    ctx.leakyTills.has(tillId) &&
    missingRoll < ctx.missingProbability
  ) {
    plan.incident = 'missing_order';
    return plan;
  }
  const outage = incidents.callbackOutage;
  if (!carryOver && outage && outage.provider === provider && payAt >= outage.fromMs && payAt < outage.toMs) {
    // The customer paid; the notification never came, so the order system never marked it paid.
    plan.incident = 'lost_callback';
    actions.push(created);
    return plan;
  }
  if (!carryOver && incidents.paymentUnapplied && unappliedRoll < incidents.paymentUnapplied.share) {
    plan.incident = 'payment_unapplied';
    plan.conditionAt = payAt + RULE_LIMITS.paymentUnapplied;
    actions.push(created, callbackAction);
    return plan;
  }
  const paidAt = payAt + rng.between(1, 6) * SECOND;
  actions.push(created, statusEvent(orderId, storeId, 'paid', paidAt));
  if (!carryOver) actions.push(callbackAction);
  if (!online) {
    actions.push(statusEvent(orderId, storeId, 'delivered', paidAt + rng.between(20, 120) * SECOND));
    return plan;
  }
  if (!carryOver && incidents.paidStall && paidStallRoll < incidents.paidStall.share) {
    plan.incident = 'paid_stall';
    plan.conditionAt = Math.floor(paidAt) + RULE_LIMITS.paidStall;
    return plan;
  }
  const pickingAt = paidAt + rng.between(15, 90) * SECOND;
  actions.push(statusEvent(orderId, storeId, 'picking', pickingAt));
  const stall = incidents.pickingStall;
  if (stall && ctx.stalledStores.has(storeId) && pickingAt >= stall.fromMs) {
    plan.incident = 'picking_stall';
    plan.conditionAt = Math.floor(pickingAt) + RULE_LIMITS.pickingStall;
    return plan;
  }
  const packedAt = pickingAt + rng.between(3, 22) * MINUTE;
  const shippedAt = packedAt + rng.between(40, 300) * MINUTE;
  const carrier = pickCarrier(rng);
  const trackingNo = carrier.trackingNo(rng);
  actions.push(
    statusEvent(orderId, storeId, 'packed', packedAt),
    statusEvent(orderId, storeId, 'shipped', shippedAt, {
      carrier: carrier.code,
      tracking_no: trackingNo,
      region: destination.name,
    }),
  );
  const silent = incidents.silentCarrier?.carrier === carrier.code ? incidents.silentCarrier : undefined;
  const input = {
    shippedAt,
    originCity: store.city,
    originProvince: store.province,
    destinationCity,
    destinationProvince: destination.name,
  };
  const returns =
    carryOver && !silent && incidents.repeatedReturns && returnsRoll < incidents.repeatedReturns.share;
  let track = returns ? returnedTwiceTrack(rng, input) : deliveredTrack(rng, input);
  if (returns) {
    plan.incident = 'repeated_returns';
    plan.conditionAt = track[track.length - 1]!.at;
  }
  if (silent) {
    const kept = track.filter((c) => c.at < silent.fromMs);
    if (kept.length < track.length) {
      const lastUpdate = Math.floor(Math.max(shippedAt, kept[kept.length - 1]?.at ?? 0));
      plan.incident = 'silent_carrier';
      plan.conditionAt = lastUpdate + RULE_LIMITS.trackingSilent;
    }
    track = kept;
  }
  actions.push(...pushesFor(rng, orderId, carrier.code, trackingNo, track));
  const last = track[track.length - 1];
  if (last?.code === '3') {
    actions.push(statusEvent(orderId, storeId, 'delivered', last.at + rng.between(5, 60) * MINUTE));
  }
  return plan;
}

function uuidLike(rng: Prng): string {
  const hex = () => Math.floor(rng.next() * 16).toString(16);
  const part = (n: number) => Array.from({ length: n }, hex).join('');
  return `${part(8)}-${part(4)}-${part(4)}-${part(4)}-${part(12)}`;
}
