// A small real collector stand-in for the end-to-end suite, used until the real `/live` gateway
// lands: fastify serving the built dashboard and the `/v1` routes the dashboard calls, plus a
// Socket.IO `/live` namespace speaking collector/src/live/events.ts. Events are ingested through
// `POST /v1/events` like the real thing; one rule (`order_stalled` for `paid`, 2 min, by event
// time) turns them into alerts, so a stall appears on the wall exactly as it would in production.
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Server } from 'socket.io';
import { BUILTIN_RULES, DEFAULT_RULE_PARAMS } from '../../collector/src/domain/rules/params.ts';
import type {
  Alert,
  ClientToServerEvents,
  LiveAuth,
  LiveFilter,
  LiveSnapshot,
  PanelDataMap,
  PanelName,
  ServerToClientEvents,
} from '../../collector/src/live/events.ts';

export const FAKE_TOKENS = { viewer: 'viewer-e2e', operator: 'operator-e2e', ingest: 'ingest-e2e' } as const;

const MINUTE = 60_000;
const PAID_LIMIT_MS = 2 * MINUTE;
const SILENT_SHIPMENT_MS = 48 * 60 * MINUTE;

interface WireEvent {
  id: string;
  type: 'order.status' | 'payment.notify' | 'shipment.update';
  occurred_at: string;
  order_id: string;
  store_id: string;
  status?: string;
  region?: string;
  provider?: string;
  amount_fen?: number;
  carrier?: string;
  tracking_no?: string;
  state?: string;
  location?: string;
}

interface Stored extends WireEvent {
  at: number;
  receivedAt: number;
  source: string;
}

interface AuditRow {
  id: string;
  at: string;
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  note: string;
}

type Role = keyof typeof FAKE_TOKENS;

export interface FakeCollector {
  url: string;
  port: number;
  close(): Promise<void>;
}

function roleOf(token: string | undefined): Role | null {
  for (const [role, secret] of Object.entries(FAKE_TOKENS)) if (secret === token) return role as Role;
  return null;
}

/** What the fake remembers; kept outside the server so a stop/start keeps the data (like a real store). */
export interface FakeState {
  events: Stored[];
  alerts: Map<string, Alert>;
  audit: AuditRow[];
  regionOfStore: Map<string, string>;
  pending: Record<string, unknown>[];
}

export function createFakeState(): FakeState {
  return { events: [], alerts: new Map(), audit: [], regionOfStore: new Map(), pending: seedPending() };
}

function seedPending(): Record<string, unknown>[] {
  return [
    {
      id: 'P1',
      kind: 'unmatched_payment',
      store_id: 'S003',
      amount_fen: 2800,
      reason: 'paid in the WeChat bill, no order with this number',
      created_at: new Date().toISOString(),
      bill: {
        provider: 'wechatpay',
        transaction_id: '4200001',
        out_trade_no: 'S003-0091',
        amount_fen: 2800,
      },
    },
    {
      id: 'P2',
      kind: 'fuzzy_match',
      store_id: 'S001',
      amount_fen: 1500,
      reason: 'same amount, same order-number tail 0042, 6 min apart',
      created_at: new Date().toISOString(),
      bill: {
        provider: 'alipay',
        transaction_id: '2026111122001',
        out_trade_no: 'S001-A-0042',
        amount_fen: 1500,
      },
      order: { order_id: 'S001-0042', amount_fen: 1500, status: 'paid' },
    },
  ];
}

export async function startFakeCollector(opts: {
  dashboardDir: string;
  state: FakeState;
  port?: number;
}): Promise<FakeCollector> {
  const { events, alerts, audit, regionOfStore, pending } = opts.state;

  const app: FastifyInstance = Fastify({ logger: false });
  const io = new Server<
    ClientToServerEvents,
    ServerToClientEvents,
    Record<string, never>,
    { filter: LiveFilter }
  >(app.server, { serveClient: false });
  const live = io.of('/live');

  function authorize(req: FastifyRequest, reply: FastifyReply, allowed: Role[]): Role | null {
    const token = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const role = roleOf(token);
    if (!role) {
      reply.code(401).send({ error: 'unauthorized', message: 'a valid bearer token is required' });
      return null;
    }
    const ok = allowed.includes(role) || (role === 'operator' && allowed.includes('viewer'));
    if (!ok) {
      reply.code(403).send({ error: 'forbidden', message: `needs ${allowed.join(' or ')}` });
      return null;
    }
    return role;
  }

  // ---- model ------------------------------------------------------------------------------

  const matches = (f: LiveFilter, storeId: string | null) =>
    (!f.store_id || f.store_id === storeId) &&
    (!f.region || (storeId && regionOfStore.get(storeId) === f.region));

  function minutes(now: number): number[] {
    const end = Math.floor(now / MINUTE) * MINUTE;
    return Array.from({ length: 60 }, (_, i) => end - (59 - i) * MINUTE);
  }

  function panels(f: LiveFilter, now: number): PanelDataMap {
    const mine = events.filter((e) => matches(f, e.store_id));
    const buckets = minutes(now);
    const bucketOf = (at: number) => Math.floor(at / MINUTE) * MINUTE;
    const orderEvents = mine.filter((e) => e.type === 'order.status');
    const open = [...alerts.values()].filter((a) => a.status !== 'resolved' && matches(f, a.store_id));
    const byRule: Record<string, number> = {};
    for (const a of open) byRule[a.rule] = (byRule[a.rule] ?? 0) + 1;
    const payments = mine.filter((e) => e.type === 'payment.notify');
    const lags: number[] = [];
    let unapplied = 0;
    for (const p of payments) {
      const paid = orderEvents.find((o) => o.order_id === p.order_id && o.status === 'paid');
      if (paid) lags.push(Math.max(0, (paid.at - p.at) / 1000));
      else unapplied++;
    }
    lags.sort((a, b) => a - b);
    const pct = (q: number) =>
      lags.length ? lags[Math.min(lags.length - 1, Math.floor(q * lags.length))]! : null;
    const shipments = new Map<string, Stored>();
    for (const s of mine.filter((e) => e.type === 'shipment.update')) {
      const prev = shipments.get(`${s.carrier}/${s.tracking_no}`);
      if (!prev || prev.at < s.at) shipments.set(`${s.carrier}/${s.tracking_no}`, s);
    }
    const latest = [...shipments.values()];
    const stores = new Map<string, { openAlerts: number; critical: number }>();
    for (const a of open) {
      if (!a.store_id) continue;
      const s = stores.get(a.store_id) ?? { openAlerts: 0, critical: 0 };
      s.openAlerts++;
      if (a.severity === 'critical') s.critical++;
      stores.set(a.store_id, s);
    }
    const sources = new Map<string, { newestEventAt: number; lastReceivedAt: number }>();
    for (const e of mine) {
      const s = sources.get(e.source) ?? { newestEventAt: 0, lastReceivedAt: 0 };
      s.newestEventAt = Math.max(s.newestEventAt, e.at);
      s.lastReceivedAt = Math.max(s.lastReceivedAt, e.receivedAt);
      sources.set(e.source, s);
    }
    return {
      orders_per_minute: {
        minutes: buckets.map((at) => {
          const byStatus: Record<string, number> = {};
          let total = 0;
          for (const e of orderEvents)
            if (bucketOf(e.at) === at) {
              byStatus[e.status!] = (byStatus[e.status!] ?? 0) + 1;
              total++;
            }
          return { at, byStatus, total };
        }),
      },
      payment_lag: {
        windowMs: 10 * MINUTE,
        samples: lags.length,
        p50Seconds: pct(0.5),
        p95Seconds: pct(0.95),
        unapplied,
      },
      open_stalls: { byRule, total: open.length },
      callbacks: {
        providers: (['wechatpay', 'alipay'] as const).map((provider) => {
          const mineP = payments.filter((p) => p.provider === provider);
          return {
            provider,
            perMinute: buckets.map((at) => ({
              at,
              count: mineP.filter((p) => bucketOf(p.at) === at).length,
            })),
            lastHeardAt: mineP.length ? Math.max(...mineP.map((p) => p.receivedAt)) : null,
          };
        }),
      },
      shipments: {
        silent: latest.filter(
          (s) => !['delivered', 'rejected', 'returned'].includes(s.state!) && now - s.at > SILENT_SHIPMENT_MS,
        ).length,
        highRisk: latest.filter((s) => ['rejected', 'exception', 'stuck'].includes(s.state!)).length,
        updatesPerMinute: buckets.map((at) => {
          const byCarrier: Record<string, number> = {};
          for (const s of mine)
            if (s.type === 'shipment.update' && bucketOf(s.at) === at)
              byCarrier[s.carrier!] = (byCarrier[s.carrier!] ?? 0) + 1;
          return { at, byCarrier };
        }),
      },
      reconciliation: {
        day: new Date(now).toISOString().slice(0, 10),
        mismatchRate: 0.004,
        matched: 996,
        unmatched: 4,
        pending: pending.length,
      },
      top_stores: {
        stores: [...stores.entries()]
          .map(([storeId, s]) => ({ storeId, region: regionOfStore.get(storeId) ?? null, ...s }))
          .sort((a, b) => b.openAlerts - a.openAlerts)
          .slice(0, 10),
      },
      freshness: {
        sources: [...sources.entries()].map(([source, s]) => ({ source, ...s })),
      },
    };
  }

  function snapshot(f: LiveFilter, now: number): LiveSnapshot {
    const stores = [...new Set(events.map((e) => e.store_id))].sort();
    return {
      at: now,
      filter: f,
      panels: panels(f, now),
      alerts: [...alerts.values()]
        .filter((a) => a.status !== 'resolved' && matches(f, a.store_id))
        .slice(0, 200),
      scopes: { stores, regions: [...new Set(regionOfStore.values())].sort() },
    };
  }

  function publishAlert(transition: 'opened' | 'changed' | 'resolved', alert: Alert) {
    for (const socket of live.sockets.values())
      if (matches(socket.data.filter, alert.store_id))
        socket.emit('alert', { transition, alert, at: Date.now() });
  }

  /** order_stalled: a `paid` order with no later status 2 min after it was paid (event time). */
  function evaluate(now: number) {
    const latestByOrder = new Map<string, Stored>();
    for (const e of events)
      if (e.type === 'order.status') {
        const prev = latestByOrder.get(e.order_id);
        if (!prev || prev.at <= e.at) latestByOrder.set(e.order_id, e);
      }
    for (const [orderId, e] of latestByOrder) {
      const id = `order_stalled:${orderId}`;
      const existing = alerts.get(id);
      const stalled = e.status === 'paid' && now - e.at >= PAID_LIMIT_MS;
      const nowIso = new Date(now).toISOString();
      if (stalled && (!existing || existing.status === 'resolved')) {
        const alert: Alert = {
          id,
          rule: 'order_stalled',
          severity: 'warning',
          status: 'firing',
          entity_type: 'order',
          entity_id: orderId,
          store_id: e.store_id,
          summary: `order ${orderId} paid but not picked`,
          labels: { status: 'paid' },
          started_at: new Date(e.at + PAID_LIMIT_MS).toISOString(),
          updated_at: nowIso,
          resolved_at: null,
          summary_zh: '',
          acknowledged_at: null,
          acknowledged_by: null,
          ack_note: null,
        };
        alerts.set(id, alert);
        publishAlert('opened', alert);
      } else if (!stalled && existing && existing.status !== 'resolved') {
        const alert: Alert = { ...existing, status: 'resolved', resolved_at: nowIso, updated_at: nowIso };
        alerts.set(id, alert);
        publishAlert('resolved', alert);
      }
    }
  }

  // Panels are pushed twice a second to every socket whose view changed.
  const lastSent = new Map<string, string>();
  const ticker = setInterval(() => {
    const now = Date.now();
    evaluate(now);
    for (const socket of live.sockets.values()) {
      const data = panels(socket.data.filter, now);
      for (const name of Object.keys(data) as PanelName[]) {
        const key = `${socket.id}/${name}`;
        const json = JSON.stringify(data[name]);
        if (lastSent.get(key) === json) continue;
        lastSent.set(key, json);
        socket.emit('panel', { name, data: data[name], at: now } as never);
      }
    }
  }, 500);

  live.use((socket, next) => {
    const auth = (socket.handshake.auth ?? {}) as Partial<LiveAuth>;
    const role = roleOf(auth.token);
    if (role !== 'viewer' && role !== 'operator') return next(new Error('unauthorized'));
    socket.data.filter = auth.filter ?? {};
    next();
  });
  live.on('connection', (socket) => {
    const send = () => {
      const now = Date.now();
      const snap = snapshot(socket.data.filter, now);
      for (const name of Object.keys(snap.panels) as PanelName[])
        lastSent.set(`${socket.id}/${name}`, JSON.stringify(snap.panels[name]));
      socket.emit('snapshot', snap);
    };
    send();
    socket.on('subscribe', (filter, ack) => {
      socket.data.filter = {
        ...(filter.store_id && { store_id: filter.store_id }),
        ...(filter.region && { region: filter.region }),
      };
      ack?.({ ok: true, filter: socket.data.filter });
      send();
    });
    socket.on('disconnect', () => {
      for (const key of lastSent.keys()) if (key.startsWith(`${socket.id}/`)) lastSent.delete(key);
    });
  });

  // ---- routes -----------------------------------------------------------------------------

  app.post('/v1/events', async (req, reply) => {
    const role = authorize(req, reply, ['ingest', 'operator']);
    if (!role) return reply;
    const body = req.body as WireEvent | WireEvent[];
    const batch = Array.isArray(body) ? body : [body];
    const receivedAt = Date.now();
    let accepted = 0;
    let duplicates = 0;
    for (const e of batch) {
      if (events.some((x) => x.id === e.id)) {
        duplicates++;
        continue;
      }
      events.push({
        ...e,
        at: Date.parse(e.occurred_at),
        receivedAt,
        source: e.provider ?? (e.carrier ? 'kuaidi100' : 'pos'),
      });
      if (e.region) regionOfStore.set(e.store_id, e.region);
      accepted++;
    }
    evaluate(receivedAt);
    return reply.code(202).send({ accepted, duplicates, rejected: [] });
  });

  app.get('/v1/alerts', async (req, reply) => {
    if (!authorize(req, reply, ['viewer'])) return reply;
    const q = req.query as Record<string, string | undefined>;
    const statuses = q.status ? [q.status] : ['firing', 'acknowledged'];
    const list = [...alerts.values()].filter(
      (a) =>
        statuses.includes(a.status) &&
        (!q.rule || a.rule === q.rule) &&
        (!q.store_id || a.store_id === q.store_id),
    );
    return { alerts: list.slice(0, Number(q.limit ?? 500)) };
  });

  app.post('/v1/alerts/:id/ack', async (req, reply) => {
    if (!authorize(req, reply, ['operator'])) return reply;
    const { id } = req.params as { id: string };
    const existing = alerts.get(id);
    if (!existing) return reply.code(404).send({ error: 'not_found', message: `alert ${id} was not found` });
    const note = ((req.body ?? {}) as { note?: string }).note ?? '';
    const now = new Date().toISOString();
    const alert: Alert = { ...existing, status: 'acknowledged', updated_at: now };
    alerts.set(id, alert);
    audit.push({
      id: String(audit.length + 1),
      at: now,
      actor: 'operator',
      action: 'alert.ack',
      target_type: 'alert',
      target_id: id,
      note,
    });
    publishAlert('changed', alert);
    return { alert };
  });

  app.post('/v1/silences', async (req, reply) => {
    if (!authorize(req, reply, ['operator'])) return reply;
    const body = req.body as { matchers: Record<string, string>; ends_at: string; comment: string };
    const id = `sil-${audit.length + 1}`;
    audit.push({
      id: String(audit.length + 1),
      at: new Date().toISOString(),
      actor: 'operator',
      action: 'silence.create',
      target_type: 'silence',
      target_id: id,
      note: body.comment,
    });
    return reply.code(201).send({ id, ...body });
  });

  app.get('/v1/audit', async (req, reply) => {
    if (!authorize(req, reply, ['viewer'])) return reply;
    return { entries: audit };
  });

  app.get('/v1/orders/:id', async (req, reply) => {
    if (!authorize(req, reply, ['viewer'])) return reply;
    const { id } = req.params as { id: string };
    const mine = events.filter((e) => e.order_id === id).sort((a, b) => a.at - b.at);
    if (mine.length === 0)
      return reply.code(404).send({ error: 'not_found', message: `order "${id}" was not found` });
    const last = [...mine].reverse().find((e) => e.type === 'order.status');
    return {
      order_id: id,
      store_id: mine[0]!.store_id,
      status: last?.status ?? 'created',
      amount_fen: mine.find((e) => e.amount_fen !== undefined)?.amount_fen ?? null,
      updated_at: new Date(mine.at(-1)!.at).toISOString(),
      timeline: mine.map(({ at: _a, receivedAt: _r, source: _s, ...wire }) => wire),
      payments: mine.filter((e) => e.type === 'payment.notify'),
      shipments: [],
      alerts: [...alerts.values()].filter((a) => a.entity_id === id),
    };
  });

  app.get('/v1/reconciliation/stores', async (req, reply) => {
    if (!authorize(req, reply, ['viewer'])) return reply;
    const q = req.query as { from: string; to: string };
    const days: string[] = [];
    for (let d = Date.parse(q.from); d <= Date.parse(q.to); d += 24 * 60 * MINUTE)
      days.push(new Date(d).toISOString().slice(0, 10));
    const rate = (store: number, day: number) =>
      [0.002, 0.004, 0.031][store]! * (1 + 0.3 * Math.sin(day + store));
    return {
      stores: ['S001', 'S002', 'S003'].map((store_id, s) => ({
        store_id,
        flagged: s === 2,
        devices: s === 2 ? [{ device_id: 'POS-03-2', missing: 17, days_flagged: 5 }] : [],
        days: days.map((day, i) => ({
          day,
          orders: 400,
          missing: Math.round(rate(s, i) * 400),
          rate: rate(s, i),
        })),
      })),
    };
  });

  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.post('/v1/bills/wechatpay', async (req, reply) => {
    if (!authorize(req, reply, ['operator', 'ingest'])) return reply;
    const rows = String(req.body)
      .split('\r\n')
      .filter((l) => l.startsWith('`20')).length;
    return { rows, matched: rows, fuzzy_matched: 0, unmatched_payments: 0, unmatched_orders: 0 };
  });

  app.get('/v1/reconciliation/pending', async (req, reply) => {
    if (!authorize(req, reply, ['viewer'])) return reply;
    return { items: pending };
  });

  app.post('/v1/reconciliation/pending/:id/resolve', async (req, reply) => {
    if (!authorize(req, reply, ['operator'])) return reply;
    const { id } = req.params as { id: string };
    const i = pending.findIndex((p) => p.id === id);
    if (i < 0)
      return reply.code(404).send({ error: 'not_found', message: `pending item ${id} was not found` });
    pending.splice(i, 1);
    const body = req.body as { resolution: string; note: string };
    audit.push({
      id: String(audit.length + 1),
      at: new Date().toISOString(),
      actor: 'operator',
      action: `pending.${body.resolution}`,
      target_type: 'pending',
      target_id: id,
      note: body.note,
    });
    return { ok: true };
  });

  app.get('/v1/rules', async (req, reply) => {
    if (!authorize(req, reply, ['viewer'])) return reply;
    return {
      loaded_at: new Date().toISOString(),
      content_hash: 'sha256:5f1c0e',
      valid: false,
      errors: [
        {
          file: 'alert-rules/custom.yaml',
          rule: 'vip_remote',
          field: 'when',
          message: 'unknown field "regoin"',
        },
      ],
      last_change: { at: new Date().toISOString(), outcome: 'rejected', content_hash: 'sha256:77aa01' },
      rules: [
        ...BUILTIN_RULES.map((name) => {
          const { enabled, severity, ...params } = DEFAULT_RULE_PARAMS[name];
          return { name, kind: 'builtin', enabled, severity, file: 'rules.yaml', params };
        }),
        {
          name: 'vip_remote',
          kind: 'custom',
          enabled: true,
          severity: 'warning',
          file: 'custom.yaml',
          condition: 'amount_fen > 50000 and region in remote',
        },
      ],
    };
  });

  await app.register(fastifyStatic, { root: path.resolve(opts.dashboardDir), wildcard: false });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send({ error: 'not_found', message: `${req.method} ${req.url.split('?')[0]} was not found` }),
  );

  const address = await app.listen({ port: opts.port ?? 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  return {
    url: address,
    port,
    async close() {
      clearInterval(ticker);
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await app.close().catch(() => undefined);
    },
  };
}
