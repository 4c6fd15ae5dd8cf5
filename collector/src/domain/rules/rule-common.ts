// What every built-in rule has besides its own parameters: severity, timing and scope.

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

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

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** The common defaults the public contract documents: on, fire at once, five minutes of cool-down, every store. */
export const commonDefaults = (severity: Severity): RuleCommon => ({
  enabled: true,
  severity,
  forMs: 0,
  coolDownMs: 5 * MINUTE,
  scope: { stores: [], excludeStores: [] },
});
