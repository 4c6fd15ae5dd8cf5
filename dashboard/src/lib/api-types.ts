// Shapes of the `/v1` endpoints the dashboard reads, from the collector's wire schemas
// (collector/src/wire/), the same ones its routes declare and /openapi.json publishes; `import type`
// only, so no schema code reaches the bundle.
import type {
  AlertGroupsQuery as AlertGroupsQueryParams,
  BulkAckBody,
  BulkSilenceBody,
  GroupAlertsQuery as GroupAlertsQueryParams,
} from '../../../collector/src/wire/alert-groups.ts';
import type { Alert, AlertsQuery as AlertsQueryParams } from '../../../collector/src/wire/alerts.ts';
import type { AuditEntry } from '../../../collector/src/wire/audit.ts';
import type { OrderListQuery as OrderListQueryParams } from '../../../collector/src/wire/order-list.ts';
import type { OrderDetail, TimelineEvent } from '../../../collector/src/wire/orders.ts';
import type {
  PendingKind,
  PendingListQuery,
  PendingResolution,
} from '../../../collector/src/wire/pending.ts';
import type { RuleField, RuleFieldList } from '../../../collector/src/wire/rule-fields.ts';
import type {
  RuleCheckBody,
  RuleError,
  RuleFileBody,
  RuleSummary,
  RulesReport,
  RuleVersionDetail,
  RuleVersionDiff,
  RuleVersionList,
  RuleVersionRef,
  RuleVersionSummary,
} from '../../../collector/src/wire/rules.ts';
import type { SilenceRequest } from '../../../collector/src/wire/silences.ts';

export type { AlertGroup } from '../../../collector/src/wire/alert-groups.ts';
export type { BusinessDay } from '../../../collector/src/wire/business-day.ts';
export type { Incident, IncidentList } from '../../../collector/src/wire/incidents.ts';
export type { OrderRow, OrderStatusCounts } from '../../../collector/src/wire/order-list.ts';
export type { PendingItem, PendingList, PendingResolution } from '../../../collector/src/wire/pending.ts';
export type {
  StoreDay,
  StoreDevice,
  StoresReport,
  StoreTrend,
} from '../../../collector/src/wire/store-trends.ts';
export type { Whoami } from '../../../collector/src/wire/whoami.ts';
export type {
  Alert,
  AuditEntry,
  BulkAckBody,
  BulkSilenceBody,
  OrderDetail,
  RuleCheckBody,
  RuleError,
  RuleField,
  RuleFieldList,
  RuleSummary,
  RulesReport,
  RuleVersionDetail,
  RuleVersionDiff,
  RuleVersionList,
  SilenceRequest,
  TimelineEvent,
};
/** A version as the history lists it. */
export type RuleVersion = RuleVersionSummary;
/** A whole rule file and why it changes. */
export type RuleSaveBody = RuleFileBody;
/** The version a change made. */
export type RuleSaved = RuleVersionRef;

/** Every filter is optional for a caller; the collector fills in the default limit. */
export type AlertsQuery = Partial<AlertsQueryParams>;
export type AlertGroupsQuery = Partial<AlertGroupsQueryParams>;
export type GroupAlertsQuery = Partial<GroupAlertsQueryParams>;
export type OrderListQuery = Partial<OrderListQueryParams>;
export type PendingQuery = Partial<PendingListQuery>;

/** The resolutions an operator picks from, in menu order; the Record type keeps them in step with the collector's. */
const RESOLUTIONS: Record<PendingResolution, true> = {
  matched: true,
  write_off: true,
  refund: true,
  escalate: true,
};
export const PENDING_RESOLUTIONS = Object.keys(RESOLUTIONS) as PendingResolution[];

/** The pool's kinds, in filter order; the Record type keeps them in step with the collector's. */
const KINDS: Record<PendingKind, true> = {
  unmatched_payment: true,
  unmatched_order: true,
  fuzzy_match: true,
  amount_mismatch: true,
};
export const PENDING_KINDS = Object.keys(KINDS) as PendingKind[];
