// Response shapes of the `/v1` endpoints the dashboard reads. Where the public contract
// names an endpoint without a body shape (audit, stores trend, pending pool, rules), this is the
// shape the dashboard expects; lib/api.ts normalises the few spelling variants it tolerates.
import type { Alert } from '../../../collector/src/live/events.ts';

export type { Alert };

export interface AlertsQuery {
  status?: string;
  rule?: string;
  store_id?: string;
  since?: string;
  limit?: number;
}

export interface SilenceRequest {
  matchers: Record<string, string>;
  ends_at: string;
  comment: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  note: string;
}

/** One event of an order's timeline, as ingested (snake_case wire fields). */
export interface TimelineEvent {
  id?: string;
  type: 'order.status' | 'payment.notify' | 'shipment.update';
  occurred_at: string;
  status?: string;
  provider?: string;
  amount_fen?: number;
  transaction_id?: string;
  carrier?: string;
  tracking_no?: string;
  state?: string;
  location?: string;
}

export interface OrderDetail {
  order_id: string;
  store_id: string;
  status: string;
  amount_fen: number | null;
  updated_at: string;
  timeline: TimelineEvent[];
  payments: Record<string, unknown>[];
  shipments: Record<string, unknown>[];
  alerts: Alert[];
}

export interface StoreDay {
  day: string;
  orders: number | null;
  missing: number | null;
  /** 0..1 */
  rate: number;
}

export interface StoreDevice {
  device_id: string;
  missing: number;
  days_flagged: number | null;
}

export interface StoreTrend {
  store_id: string;
  days: StoreDay[];
  devices: StoreDevice[];
  flagged: boolean;
}

export interface StoresReport {
  stores: StoreTrend[];
  /** The chain's daily average; computed from the stores when the server does not send it. */
  chain: { day: string; rate: number }[];
}

export const PENDING_RESOLUTIONS = ['matched', 'write_off', 'refund', 'escalate'] as const;
export type PendingResolution = (typeof PENDING_RESOLUTIONS)[number];

export interface PendingItem {
  id: string;
  kind: string;
  store_id: string | null;
  amount_fen: number | null;
  reason: string;
  created_at: string | null;
  /** Both sides' evidence: e.g. `payment`/`bill` and `order`, each a flat record. */
  evidence: { side: string; fields: Record<string, unknown> }[];
}

export interface RuleError {
  file: string;
  rule: string | null;
  field: string | null;
  message: string;
}

export interface RuleSummary {
  name: string;
  kind: 'builtin' | 'custom';
  enabled: boolean;
  severity: string;
  file: string | null;
  description: string | null;
  condition: string | null;
  params: Record<string, unknown> | null;
}

/** `GET /v1/rules`: the loaded rule set, whether the files on disk validate, and the last change. */
export interface RulesReport {
  loaded_at: string | null;
  content_hash: string | null;
  valid: boolean;
  errors: RuleError[];
  last_change: { at: string; outcome: string; content_hash: string | null } | null;
  rules: RuleSummary[];
}
