// The dashboard's only REST client. Every call returns a result instead of throwing, so a page
// can show an empty state for an endpoint the collector does not serve yet (404 route / 501)
// without a crash or a console error.
import type {
  Alert,
  AlertsQuery,
  AuditEntry,
  OrderDetail,
  PendingItem,
  PendingList,
  PendingResolution,
  RulesReport,
  SilenceRequest,
  StoresReport,
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
    };

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function list(body: unknown, ...keys: string[]): unknown[] {
  if (Array.isArray(body)) return body;
  if (!isRecord(body)) return [];
  for (const k of keys) {
    const v = body[k];
    if (Array.isArray(v)) return v;
  }
  return [];
}

function query(params: Record<string, string | number | undefined>): string {
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
      };
    }
    return { ok: true, data: map(body) };
  }

  return {
    alerts: (q: AlertsQuery = {}) =>
      request('GET', `/v1/alerts${query({ ...q })}`, (b) => list(b, 'alerts') as Alert[]),
    ack: (id: string, note: string) =>
      request('POST', `/v1/alerts/${encodeURIComponent(id)}/ack`, () => true, note ? { note } : {}),
    createSilence: (silence: SilenceRequest) => request('POST', '/v1/silences', (b) => b, silence),
    audit: () => request('GET', '/v1/audit', (b) => list(b, 'entries', 'audit', 'items').map(toAuditEntry)),
    order: (id: string) => request('GET', `/v1/orders/${encodeURIComponent(id)}`, toOrderDetail),
    storesReport: (from: string, to: string) =>
      request('GET', `/v1/reconciliation/stores${query({ from, to })}`, (b) => b as StoresReport),
    pending: () =>
      request('GET', '/v1/reconciliation/pending', (b): PendingItem[] => (b as PendingList).items),
    resolvePending: (id: string, resolution: PendingResolution, note: string) =>
      request('POST', `/v1/reconciliation/pending/${encodeURIComponent(id)}/resolve`, () => true, {
        resolution,
        note,
      }),
    rules: () => request('GET', '/v1/rules', toRulesReport),
  };
}

export type Api = ReturnType<typeof createApi>;

function toAuditEntry(raw: unknown, i: number): AuditEntry {
  const e = isRecord(raw) ? raw : {};
  const targetType = str(e.target_type ?? e.entity_type);
  const targetId = str(e.target_id ?? e.entity_id);
  return {
    id: str(e.id, String(i)),
    at: str(e.at ?? e.created_at ?? e.time),
    actor: str(e.actor ?? e.token_name ?? e.user),
    action: str(e.action),
    target: str(e.target, targetType && targetId ? `${targetType} ${targetId}` : targetId),
    note: str(e.note ?? e.comment),
  };
}

function toOrderDetail(raw: unknown): OrderDetail {
  const o = isRecord(raw) ? raw : {};
  return {
    order_id: str(o.order_id),
    store_id: str(o.store_id),
    status: str(o.status),
    amount_fen: num(o.amount_fen),
    updated_at: str(o.updated_at),
    timeline: list(o.timeline).filter(isRecord) as unknown as OrderDetail['timeline'],
    payments: list(o.payments).filter(isRecord),
    shipments: list(o.shipments).filter(isRecord),
    alerts: list(o.alerts).filter(isRecord) as unknown as Alert[],
  };
}

function toRulesReport(raw: unknown): RulesReport {
  const r = isRecord(raw) ? raw : {};
  const change = isRecord(r.last_change) ? r.last_change : null;
  const errors = list(r.errors).filter(isRecord);
  return {
    loaded_at: typeof r.loaded_at === 'string' ? r.loaded_at : null,
    content_hash: typeof r.content_hash === 'string' ? r.content_hash : null,
    valid: typeof r.valid === 'boolean' ? r.valid : errors.length === 0,
    errors: errors.map((e) => ({
      file: str(e.file),
      rule: typeof e.rule === 'string' ? e.rule : null,
      field: typeof e.field === 'string' ? e.field : null,
      message: str(e.message),
    })),
    last_change: change
      ? {
          at: str(change.at),
          outcome: str(change.outcome, 'applied'),
          content_hash: typeof change.content_hash === 'string' ? change.content_hash : null,
        }
      : null,
    rules: list(r.rules)
      .filter(isRecord)
      .map((x) => ({
        name: str(x.name),
        kind: x.kind === 'custom' ? 'custom' : 'builtin',
        enabled: x.enabled !== false,
        severity: str(x.severity),
        file: typeof x.file === 'string' ? x.file : null,
        description: typeof x.description === 'string' ? x.description : null,
        condition: typeof x.condition === 'string' ? x.condition : null,
        params: isRecord(x.params) ? x.params : null,
      })),
  };
}
