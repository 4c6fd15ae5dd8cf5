// The dashboard's only REST client. Every call returns a result instead of throwing, so a page
// can show an empty state for an endpoint the collector does not serve yet (404 route / 501)
// without a crash or a console error.
import type {
  AlertGroupPage,
  BulkAckReply,
  BulkSilenceReply,
  GroupAlertPage,
} from '../../../collector/src/wire/alert-groups.ts';
import type { AlertList, AlertReply } from '../../../collector/src/wire/alerts.ts';
import type { AuditList } from '../../../collector/src/wire/audit.ts';
import type { OrderPage } from '../../../collector/src/wire/order-list.ts';
import type { BulkResolvePendingReply } from '../../../collector/src/wire/pending.ts';
import type { SilenceReply } from '../../../collector/src/wire/silences.ts';
import type {
  AlertGroupsQuery,
  AlertsQuery,
  BulkAckBody,
  BulkSilenceBody,
  BusinessDay,
  GroupAlertsQuery,
  IncidentList,
  OrderDetail,
  OrderListQuery,
  PendingList,
  PendingQuery,
  PendingResolution,
  RuleCheckBody,
  RuleFieldList,
  RuleSaveBody,
  RuleSaved,
  RulesReport,
  RuleVersionDetail,
  RuleVersionDiff,
  RuleVersionList,
  SilenceRequest,
  StoresReport,
  Whoami,
} from './api-types.ts';

export type ApiResult<T> =
  | { ok: true; data: T }
  | {
      ok: false;
      status: number;
      error: string;
      message: string;
      /** The endpoint does not exist on this collector (yet): show an empty state, not an error. */
      unavailable: boolean;
      /** The error body's `details` (a rule check's errors, say), when it has any. */
      details?: unknown;
    };

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback;
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function createApi(token: string, fetchFn: FetchLike = (i, init) => fetch(i, init), base = '') {
  async function request<T>(
    method: string,
    path: string,
    map: (body: unknown) => T,
    payload?: unknown,
  ): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetchFn(`${base}${path}`, {
        method,
        headers,
        body: payload === undefined ? undefined : JSON.stringify(payload),
      });
    } catch (err) {
      return { ok: false, status: 0, error: 'network', message: String(err), unavailable: false };
    }
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    if (!res.ok) {
      const b = isRecord(body) ? body : {};
      // A 404 naming the route itself (fastify's "Route GET:/v1/x not found", the collector's
      // "GET /v1/x was not found" or code `route_not_found`) means this collector lacks the endpoint;
      // a 404 about a thing (an order) is a real answer.
      const routeMissing =
        res.status === 404 &&
        (b.error === 'route_not_found' ||
          /^(Route )?(GET|POST|PUT|PATCH|DELETE)[: ]\/v1\//.test(str(b.message)));
      return {
        ok: false,
        status: res.status,
        error: str(b.error, `http_${res.status}`),
        message: str(b.message, res.statusText),
        unavailable: routeMissing || res.status === 501,
        ...(b.details === undefined ? {} : { details: b.details }),
      };
    }
    return { ok: true, data: map(body) };
  }

  return {
    alerts: (q: AlertsQuery = {}) =>
      request('GET', `/v1/alerts${query({ ...q })}`, (b) => (b as AlertList).alerts),
    alert: (id: string) =>
      request('GET', `/v1/alerts/${encodeURIComponent(id)}`, (b) => (b as AlertReply).alert),
    ack: (id: string, note: string) =>
      request(
        'POST',
        `/v1/alerts/${encodeURIComponent(id)}/ack`,
        (b) => (b as AlertReply).alert,
        note ? { note } : {},
      ),
    alertGroups: (q: AlertGroupsQuery = {}) =>
      request('GET', `/v1/alert-groups${query({ ...q })}`, (b) => b as AlertGroupPage),
    groupAlerts: (group: string, q: GroupAlertsQuery = {}) =>
      request(
        'GET',
        `/v1/alert-groups/${encodeURIComponent(group)}/alerts${query({ ...q })}`,
        (b) => b as GroupAlertPage,
      ),
    bulkAck: (body: BulkAckBody) => request('POST', '/v1/alerts/ack', (b) => b as BulkAckReply, body),
    bulkSilence: (body: BulkSilenceBody) =>
      request('POST', '/v1/alerts/silence', (b) => b as BulkSilenceReply, body),
    orders: (q: OrderListQuery = {}) => request('GET', `/v1/orders${query({ ...q })}`, (b) => b as OrderPage),
    createSilence: (silence: SilenceRequest) =>
      request('POST', '/v1/silences', (b) => (b as SilenceReply).silence, silence),
    audit: () => request('GET', '/v1/audit', (b) => (b as AuditList).entries),
    order: (id: string) => request('GET', `/v1/orders/${encodeURIComponent(id)}`, (b) => b as OrderDetail),
    businessDay: () => request('GET', '/v1/business-day', (b) => b as BusinessDay),
    storesReport: (from: string, to: string) =>
      request('GET', `/v1/reconciliation/stores${query({ from, to })}`, (b) => b as StoresReport),
    pending: (q: PendingQuery = {}) =>
      request('GET', `/v1/reconciliation/pending${query({ ...q })}`, (b) => b as PendingList),
    resolvePendingMany: (ids: string[], resolution: PendingResolution, note: string) =>
      request('POST', '/v1/reconciliation/pending/resolve', (b) => b as BulkResolvePendingReply, {
        ids,
        resolution,
        note,
      }),
    resolvePending: (id: string, resolution: PendingResolution, note: string) =>
      request('POST', `/v1/reconciliation/pending/${encodeURIComponent(id)}/resolve`, () => true, {
        resolution,
        note,
      }),
    rules: () => request('GET', '/v1/rules', (b) => b as RulesReport),
    whoami: () => request('GET', '/v1/whoami', (b) => b as Whoami),
    ruleFields: () => request('GET', '/v1/rules/fields', (b) => (b as RuleFieldList).fields),
    ruleVersions: () => request('GET', '/v1/rules/versions', (b) => (b as RuleVersionList).versions),
    ruleVersion: (version: string) =>
      request('GET', `/v1/rules/versions/${encodeURIComponent(version)}`, (b) => b as RuleVersionDetail),
    ruleDiff: (from: string, to: string) =>
      request(
        'GET',
        `/v1/rules/versions/${encodeURIComponent(from)}/diff/${encodeURIComponent(to)}`,
        (b) => (b as RuleVersionDiff).files,
      ),
    checkRules: (body: RuleCheckBody) => request('POST', '/v1/rules/check', () => true, body),
    saveCustomRules: (name: string, body: RuleSaveBody) =>
      request('PUT', `/v1/rules/custom/${encodeURIComponent(name)}`, (b) => b as RuleSaved, body),
    deleteCustomRules: (name: string) =>
      request('DELETE', `/v1/rules/custom/${encodeURIComponent(name)}`, (b) => b as RuleSaved),
    saveBuiltinRules: (body: RuleSaveBody) =>
      request('PUT', '/v1/rules/builtin', (b) => b as RuleSaved, body),
    saveCalendar: (body: RuleSaveBody) => request('PUT', '/v1/rules/calendar', (b) => b as RuleSaved, body),
    rollbackRules: (version: string, note: string) =>
      request('POST', '/v1/rules/rollback', (b) => b as RuleSaved, { version, note }),
    incidents: () => request('GET', '/v1/incidents', (b) => (b as IncidentList).incidents),
  };
}

export type Api = ReturnType<typeof createApi>;
