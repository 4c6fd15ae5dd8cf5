// callback_silent: a payment provider has sent no payment.notify for the limit while orders kept
// being created (the 47-minute DNS outage). Orders are counted per second of event time, so the
// window count costs O(window seconds) whatever the order rate.
import { isQueriedPayment, PAYMENT_PROVIDERS, type PaymentProvider } from '../events.ts';
import type { BuiltinRule } from './builtin-rule.ts';
import type { Evaluator } from './evaluator.ts';
import { commonDefaults, MINUTE, type RuleCommon } from './rule-common.ts';
import { type Summary, summaryOf } from './signal.ts';

export type CallbackSilentParams = RuleCommon & {
  limitMs: number;
  /** Silence only counts while at least this many orders were created in the window. */
  minOrders: number;
  providers: readonly PaymentProvider[];
};
type Params = CallbackSilentParams;

const BUCKET_MS = 1000;

/** Orders created per second of event time, forgetting what is older than `retainMs`. */
export class CreationWindow {
  private readonly buckets = new Map<number, number>();

  constructor(private retainMs: number) {}

  setRetention(retainMs: number): void {
    this.retainMs = retainMs;
  }

  add(createdAt: number, now: number, orders = 1): void {
    if (createdAt <= now - this.retainMs) return;
    const bucket = Math.floor(createdAt / BUCKET_MS);
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + orders);
  }

  clear(): void {
    this.buckets.clear();
  }

  /** Orders created in (now - windowMs, now]. */
  count(now: number, windowMs: number): number {
    const oldestKept = Math.floor((now - this.retainMs) / BUCKET_MS);
    const from = Math.floor((now - windowMs) / BUCKET_MS);
    const to = Math.floor(now / BUCKET_MS);
    let total = 0;
    for (const [bucket, n] of this.buckets) {
      if (bucket < oldestKept) this.buckets.delete(bucket);
      else if (bucket > from && bucket <= to) total += n;
    }
    return total;
  }
}

/**
 * When a payment.notify counts as the provider heard from, or undefined when it does not count (a
 * payment confirmed by asking the provider is no callback). Nothing is heard before it arrives: a
 * sender's clock running ahead must not put the last-heard time in the future, where it would keep
 * callback_silent quiet. The live panel and the last-heard metric read the same time.
 */
export function callbackHeardAt(event: {
  provider: PaymentProvider;
  source: string;
  occurredAt: number;
  receivedAt: number;
}): number | undefined {
  if (isQueriedPayment(event)) return undefined;
  return Math.min(event.occurredAt, event.receivedAt);
}

export interface CallbackSilence {
  provider: PaymentProvider;
  /** Event time the silence began to count as an outage: last notification + limit. */
  since: number;
  ordersInWindow: number;
}

/**
 * `lastHeardAt` is the provider's latest payment.notify by event time, or, if none was ever seen,
 * the time the engine started watching (so a provider that never called is not silent from 1970).
 */
export function callbackSilence(
  provider: PaymentProvider,
  lastHeardAt: number,
  ordersInWindow: number,
  params: Params,
  now: number,
): CallbackSilence | undefined {
  const since = lastHeardAt + params.limitMs;
  if (since > now || ordersInWindow < params.minOrders) return undefined;
  return { provider, since, ordersInWindow };
}

export function callbackSilentSummary(silence: CallbackSilence, params: Params, now: number): Summary {
  return summaryOf({
    key: 'summary.callback_silent',
    params: {
      provider: silence.provider,
      silentForMs: now - (silence.since - params.limitMs),
      windowMs: params.limitMs,
      orders: silence.ordersInWindow,
    },
  });
}

/** Per provider, across stores: it always reads the global parameters. */
export const callbackSilentRule: Evaluator<PaymentProvider> = {
  name: 'callback_silent',
  holding(provider, all, facts, now) {
    const params = all.callback_silent;
    if (!params.enabled || !params.providers.includes(provider)) return undefined;
    const lastHeard = facts.lastHeardAt(provider, now);
    const ordersInWindow = facts.ordersCreated(now, params.limitMs);
    const silence = callbackSilence(provider, lastHeard, ordersInWindow, params, now);
    if (silence === undefined) return undefined;
    return {
      at: silence.since,
      summary: callbackSilentSummary(silence, params, now),
      labels: { provider },
      severity: params.severity,
      // Re-reported once a minute so the open alert shows how long the silence has lasted.
      fingerprint: `${params.severity}|${Math.floor((now - lastHeard) / 60_000)}`,
    };
  },
};

export const callbackSilent: BuiltinRule<'callback_silent', Params> = {
  name: 'callback_silent',
  watches: { kind: 'provider', evaluator: callbackSilentRule },
  defaults: {
    ...commonDefaults('critical'),
    limitMs: 10 * MINUTE,
    minOrders: 20,
    providers: ['wechatpay', 'alipay'],
  },
  fields: ['limit', 'min_orders', 'providers'],
  readParams(fields) {
    const limitMs = fields.get('limit').duration({ positive: true });
    const minOrders = fields.get('min_orders').integer(0, 1_000_000);
    const field = fields.get('providers');
    const providers = field.stringList((item) => item.oneOf(PAYMENT_PROVIDERS));
    if (providers !== undefined && providers.length === 0) {
      field.error({ key: 'ruleError.noProviders' });
      return { limitMs, minOrders };
    }
    return { limitMs, minOrders, providers };
  },
};
