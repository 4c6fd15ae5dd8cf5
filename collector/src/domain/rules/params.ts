// Parameters of the built-in rules. The domain declares what it
// needs; alert-rules/*.yaml is parsed into these shapes by the rules-config loader.
import type { OrderStatus, PaymentProvider } from '../events.ts';

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const BUILTIN_RULES = [
  'payment_unapplied',
  'order_stalled',
  'tracking_silent',
  'shipment_anomaly',
  'callback_silent',
  'reconciliation_mismatch',
] as const;
export type BuiltinRuleName = (typeof BUILTIN_RULES)[number];

/** Which stores a rule applies to; empty `stores` means all. */
export interface RuleScope {
  stores: readonly string[];
  excludeStores: readonly string[];
}

export interface RuleCommon {
  enabled: boolean;
  severity: Severity;
  /** The condition must hold this long before the alert fires (Prometheus `for`). */
  forMs: number;
  /** A resolved alert that fires again within this re-opens instead of creating a new one. */
  coolDownMs: number;
  scope: RuleScope;
}

export interface BuiltinRuleParams {
  payment_unapplied: RuleCommon & { limitMs: number };
  order_stalled: RuleCommon & { limitsMs: Partial<Record<OrderStatus, number>> };
  tracking_silent: RuleCommon & { limitMs: number };
  shipment_anomaly: RuleCommon & {
    /** Returned this many times or more is an anomaly. */
    returnsThreshold: number;
    /** No location change for this long while in transit counts as stuck. */
    stuckAtLocationMs: number;
  };
  callback_silent: RuleCommon & {
    limitMs: number;
    /** Silence only counts while at least this many orders were created in the window. */
    minOrders: number;
    providers: readonly PaymentProvider[];
  };
  reconciliation_mismatch: RuleCommon & { windowMs: number; threshold: number };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const everyStore: RuleScope = { stores: [], excludeStores: [] };
const common = (severity: Severity): RuleCommon => ({
  enabled: true,
  severity,
  forMs: 0,
  coolDownMs: 5 * MINUTE,
  scope: everyStore,
});

/** The defaults the public contract documents; alert-rules/rules.yaml overrides any of them. */
export const DEFAULT_RULE_PARAMS: BuiltinRuleParams = {
  payment_unapplied: { ...common('critical'), limitMs: 2 * MINUTE },
  order_stalled: {
    ...common('warning'),
    limitsMs: { paid: 2 * MINUTE, picking: 30 * MINUTE, packed: 12 * HOUR },
  },
  tracking_silent: { ...common('warning'), limitMs: 48 * HOUR },
  shipment_anomaly: { ...common('warning'), returnsThreshold: 2, stuckAtLocationMs: 24 * HOUR },
  callback_silent: {
    ...common('critical'),
    limitMs: 10 * MINUTE,
    minOrders: 20,
    providers: ['wechatpay', 'alipay'],
  },
  reconciliation_mismatch: { ...common('warning'), windowMs: 24 * HOUR, threshold: 0.01 },
};
