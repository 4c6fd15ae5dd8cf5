// An alert: the durable record of one condition on one entity . Plain data;
// the store persists it, the functions in this folder decide how it changes.
import type { Severity } from '../rules/params.ts';
import type { EntityType, Summary } from '../rules/signal.ts';

/**
 * `pending`: the condition holds but not yet for the rule's `for` (Prometheus semantics); not
 * shown by default and never notified. Then `firing` → `acknowledged` (by an operator) → `resolved`.
 */
export type AlertStatus = 'pending' | 'firing' | 'acknowledged' | 'resolved';

export interface Alert {
  id: string;
  rule: string;
  severity: Severity;
  status: AlertStatus;
  entityType: EntityType;
  entityId: string;
  /** Null for provider-level alerts. */
  storeId: string | null;
  summary: Summary;
  labels: Record<string, string>;
  /** Event time the condition started (kept when the alert re-opens within the cool-down). */
  startedAt: number;
  /** When it last became firing (processing time), undefined while pending. */
  firingAt: number | undefined;
  updatedAt: number;
  /** Event time the condition cleared; undefined while open. */
  resolvedAt: number | undefined;
  acknowledgedAt: number | undefined;
  acknowledgedBy: string | undefined;
  ackNote: string | undefined;
  /** How many times it re-opened within the cool-down instead of becoming a new alert. */
  reopenCount: number;
}

/** The `for` and cool-down of the alert's rule (RuleEngine.ruleTiming gives them). */
export interface AlertTiming {
  forMs: number;
  coolDownMs: number;
}

export function isOpen(alert: Alert): boolean {
  return alert.status === 'firing' || alert.status === 'acknowledged';
}
