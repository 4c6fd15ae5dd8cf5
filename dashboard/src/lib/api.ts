// The dashboard's only REST client. Every call returns a result instead of throwing, so a page
// can show an empty state for an endpoint the collector does not serve yet (404 route / 501)
// without a crash or a console error.
import type { AlertList, AlertReply } from '../../../collector/src/wire/alerts.ts';
import type { AuditList } from '../../../collector/src/wire/audit.ts';
import type { SilenceReply } from '../../../collector/src/wire/silences.ts';
import type {
  AlertsQuery,
  OrderDetail,
  PendingItem,
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
      request('GET', `/v1/alerts${query({ ...q })}`, (b) => (b as AlertList).alerts),
    ack: (id: string, note: string) =>
      request(
        'POST',
        `/v1/alerts/${encodeURIComponent(id)}/ack`,
        (b) => (b as AlertReply).alert,
        note ? { note } : {},
      ),
    createSilence: (silence: SilenceRequest) =>
      request('POST', '/v1/silences', (b) => (b as SilenceReply).silence, silence),
    audit: () => request('GET', '/v1/audit', (b) => (b as AuditList).entries),
    order: (id: string) => request('GET', `/v1/orders/${encodeURIComponent(id)}`, (b) => b as OrderDetail),
    storesReport: (from: string, to: string) =>
      request('GET', `/v1/reconciliation/stores${query({ from, to })}`, toStoresReport),
    pending: () =>
      request('GET', '/v1/reconciliation/pending', (b) => list(b, 'items', 'pending').map(toPendingItem)),
    resolvePending: (id: string, resolution: PendingResolution, note: string) =>
      request('POST', `/v1/reconciliation/pending/${encodeURIComponent(id)}/resolve`, () => true, {
        resolution,
        note,
      }),
    rules: () => request('GET', '/v1/rules', (b) => b as RulesReport),
  };
}

export type Api = ReturnType<typeof createApi>;

function toStoresReport(raw: unknown): StoresReport {
  const stores = list(raw, 'stores')
    .filter(isRecord)
    .map((s) => ({
      store_id: str(s.store_id),
      flagged: s.flagged === true || s.repeat_offender === true,
      days: list(s.days)
        .filter(isRecord)
        .map((d) => ({
          day: str(d.day ?? d.date),
          orders: num(d.orders),
          missing: num(d.missing ?? d.missing_orders),
          rate: num(d.rate ?? d.missing_rate) ?? 0,
        })),
      devices: list(s.devices)
        .filter(isRecord)
        .map((d) => ({
          device_id: str(d.device_id ?? d.device),
          missing: num(d.missing) ?? 0,
          days_flagged: num(d.days_flagged),
        })),
    }));
  const sent = isRecord(raw) ? list(raw, 'chain', 'chain_average') : [];
  const chain =
    sent.length > 0
      ? sent
          .filter(isRecord)
          .map((d) => ({ day: str(d.day ?? d.date), rate: num(d.rate ?? d.missing_rate) ?? 0 }))
      : chainAverage(stores);
  return { stores, chain };
}

/** Unweighted mean of the stores' daily rates, per day. */
export function chainAverage(
  stores: { days: { day: string; rate: number }[] }[],
): { day: string; rate: number }[] {
  const sums = new Map<string, { sum: number; n: number }>();
  for (const s of stores)
    for (const d of s.days) {
      const acc = sums.get(d.day) ?? { sum: 0, n: 0 };
      acc.sum += d.rate;
      acc.n += 1;
      sums.set(d.day, acc);
    }
  return [...sums.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([day, { sum, n }]) => ({ day, rate: sum / n }));
}

const EVIDENCE_SIDES = ['payment', 'bill', 'order', 'candidate'];

function toPendingItem(raw: unknown, i: number): PendingItem {
  const p = isRecord(raw) ? raw : {};
  return {
    id: str(p.id, String(i)),
    kind: str(p.kind ?? p.type),
    store_id: typeof p.store_id === 'string' ? p.store_id : null,
    amount_fen: num(p.amount_fen),
    reason: str(p.reason ?? p.why),
    created_at: typeof p.created_at === 'string' ? p.created_at : null,
    evidence: EVIDENCE_SIDES.filter((side) => isRecord(p[side])).map((side) => ({
      side,
      fields: p[side] as Record<string, unknown>,
    })),
  };
}
