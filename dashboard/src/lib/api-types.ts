// Response shapes of the `/v1` endpoints the dashboard reads. Where the public contract
// names an endpoint without a body shape (audit, stores trend, pending pool, rules), this is the
// shape the dashboard expects; lib/api.ts normalises the few spelling variants it tolerates.
import type { Alert } from '../../../collector/src/live/events.ts';
import type { PendingResolution } from '../../../collector/src/wire/pending.ts';

// The reconciliation endpoints' shapes come from the collector's wire schemas (type-only: no TypeBox in the bundle).
export type { PendingItem, PendingList, PendingResolution } from '../../../collector/src/wire/pending.ts';
export type {
  StoreDay,
  StoreDevice,
  StoresReport,
  StoreTrend,
} from '../../../collector/src/wire/store-trends.ts';
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

/** The resolutions an operator picks from, in menu order; the Record type keeps them in step with the collector's. */
const RESOLUTIONS: Record<PendingResolution, true> = {
  matched: true,
  write_off: true,
  refund: true,
  escalate: true,
};
export const PENDING_RESOLUTIONS = Object.keys(RESOLUTIONS) as PendingResolution[];

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
