// Shapes of the `/v1` endpoints the dashboard reads. Most come from the collector's wire schemas
// (collector/src/wire/), the same ones its routes declare and /openapi.json publishes; `import type`
// only, so no schema code reaches the bundle. The rest are still written out here until their
// routes declare schemas.
import type { Alert, AlertsQuery as AlertsQueryParams } from '../../../collector/src/wire/alerts.ts';
import type { AuditEntry } from '../../../collector/src/wire/audit.ts';
import type { OrderDetail, TimelineEvent } from '../../../collector/src/wire/orders.ts';
import type { RuleError, RuleSummary, RulesReport } from '../../../collector/src/wire/rules.ts';
import type { SilenceRequest } from '../../../collector/src/wire/silences.ts';

export type {
  Alert,
  AuditEntry,
  OrderDetail,
  RuleError,
  RuleSummary,
  RulesReport,
  SilenceRequest,
  TimelineEvent,
};

/** Every filter is optional for a caller; the collector fills in the default limit. */
export type AlertsQuery = Partial<AlertsQueryParams>;

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
