// callback_silent: a payment provider has sent no payment.notify for the limit while orders kept
// being created (the 47-minute DNS outage). Orders are counted per second of event time, so the
// window count costs O(window seconds) whatever the order rate.
import type { PaymentProvider } from '../events.ts';
import { durationText } from './duration-text.ts';
import type { Evaluator } from './evaluator.ts';
import type { BuiltinRuleParams } from './params.ts';
import type { Summary } from './signal.ts';

type Params = BuiltinRuleParams['callback_silent'];

const BUCKET_MS = 1000;

/** Orders created per second of event time, forgetting what is older than `retainMs`. */
export class CreationWindow {
  private readonly buckets = new Map<number, number>();

  constructor(private retainMs: number) {}

  setRetention(retainMs: number): void {
    this.retainMs = retainMs;
  }

  add(createdAt: number, now: number): void {
    if (createdAt <= now - this.retainMs) return;
    const bucket = Math.floor(createdAt / BUCKET_MS);
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + 1);
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
  const silentFor = durationText(now - (silence.since - params.limitMs));
  const window = durationText(params.limitMs);
  return {
    zh: `${silence.provider} 已${silentFor.zh}没有支付回调，最近${window.zh}新建订单 ${silence.ordersInWindow} 笔`,
    en: `${silence.provider} has sent no payment notification for ${silentFor.en} while ${silence.ordersInWindow} orders were created in the last ${window.en}`,
  };
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
