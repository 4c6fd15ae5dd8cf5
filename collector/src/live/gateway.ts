// Socket.IO `/live`: authenticates the handshake, puts each socket in the room of its filter, sends
// a snapshot, then coalesced panel updates per room and every alert transition at once.
// The handlers only authenticate, join rooms and send; what the panels hold is LivePanels' business.
// A scoped token's sockets share rooms of their own (one per token and filter), whose panels are
// computed over the token's stores only and which get only its stores' alerts (and store-less ones).
import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { Server, type Socket } from 'socket.io';
import { isScoped, sameScope, storeVisible, type VisibleStores, visibleStores } from '../auth/scope.ts';
import type { TokenRegistry } from '../auth/tokens.ts';
import type { VisibleStoresResolver } from '../auth/visible-stores.ts';
import type { StoredEvent } from '../domain/events.ts';
import { DEFAULT_LOCALE, type Locale } from '../messages/format-message.ts';
import { localeOfTag } from '../messages/locale-tag.ts';
import type { Alert } from '../wire/alerts.ts';
import { alertFor } from './alert-language.ts';
import {
  type ClientToServerEvents,
  type InterServerEvents,
  LIVE_NAMESPACE,
  type LiveAlertEvent,
  type LiveFilter,
  type LiveSnapshot,
  type LiveSocketData,
  PANEL_NAMES,
  type PanelBatch,
  type PanelName,
  type PanelUpdate,
  type ServerToClientEvents,
} from './events.ts';
import type { LivePanels } from './live-panels.ts';

type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, LiveSocketData>;

export interface LiveGatewayOptions {
  tokens: TokenRegistry;
  panels: LivePanels;
  /** Turns a scoped token's scope into its stores; without it a region names no store. */
  scopes?: Pick<VisibleStoresResolver, 'of'>;
  now?: () => number;
  /** Panel updates per room at most this often (four a second by default). */
  panelIntervalMs?: number;
  /**
   * Clients taking `panels` batches: a commit brings the next pass forward to at most this long
   * after the previous one (50 ms by default), so what was committed reaches them without waiting
   * for the 250 ms pass. Their packet count stays what per-panel updates cost: one per pass.
   */
  batchIntervalMs?: number;
  /** A client with more unsent packets than this gets no panel updates until it drains (default 64). */
  softBufferedPackets?: number;
  /** A client whose unsent packets pile up beyond this is disconnected; it reconnects to a fresh snapshot. */
  maxBufferedPackets?: number;
  /** Counts a handshake with a wrong or missing token against its address; a result refuses it with `rate_limited`. */
  onFailedAuthentication?: (address: string) => Promise<{ retryAfter: number } | undefined>;
  /**
   * Joins the streams of several collectors: alerts reach every collector's clients, and each
   * collector's panels take in what the others committed. Panels are still sent by each collector
   * to its own clients.
   */
  redis?: { pub: Redis; sub: Redis; key: string };
  /** The business time zone the alerts' sentences give times in. */
  timeZone?: string;
}

const ALL = 'all';
/** Every socket is in exactly one language room, so `except` the other one reaches a language alone. */
const LANGUAGE_ROOM: Record<Locale, string> = { 'zh-CN': 'lang:zh-CN', en: 'lang:en' };
/** Every socket is in exactly one of these, so `except` the other one reaches one way of sending panels. */
const PANEL_MODE_ROOM = { batched: 'panels:batched', single: 'panels:single' } as const;
type PanelMode = keyof typeof PANEL_MODE_ROOM;
const modeOf = (socket: LiveSocket): PanelMode => (socket.data.panelBatches ? 'batched' : 'single');
const SCOPED = 'scoped:';
const roomOf = (filter: LiveFilter, tokenName?: string) =>
  (tokenName === undefined ? '' : `${SCOPED}${tokenName}|`) +
  (filter.store_id ? `store:${filter.store_id}` : filter.region ? `region:${filter.region}` : ALL);

/** A scoped room: its token's scope, resolved to stores, and the filter its sockets chose. */
interface ScopedRoom {
  filter: LiveFilter;
  visible: ReadonlySet<string>;
}

const matchesFilter = (filter: LiveFilter, store: string | null, region: string | undefined) =>
  filter.store_id
    ? store === filter.store_id
    : filter.region
      ? store !== null && region === filter.region
      : true;

function parseFilter(value: unknown): LiveFilter | string {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) return 'the filter must be an object';
  const filter: LiveFilter = {};
  for (const [key, v] of Object.entries(value)) {
    if (key !== 'store_id' && key !== 'region') return `unknown filter field "${key}"`;
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string' || v.length > 64) return `${key} must be a string of at most 64 characters`;
    filter[key] = v;
  }
  return filter;
}

export class LiveGateway {
  readonly io: Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, LiveSocketData>;
  private readonly now: () => number;
  /** Per way of sending, per room: each panel's JSON as last sent there. */
  private readonly lastSent: Record<PanelMode, Map<string, Map<PanelName, string>>> = {
    batched: new Map(),
    single: new Map(),
  };
  private lastBatchedPass = 0;
  private batchedPassTimer: NodeJS.Timeout | undefined;
  /** Sockets held back for a backlog; they get a fresh snapshot once it drains. */
  private readonly behind = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private readonly scopedRooms = new Map<string, ScopedRoom>();

  constructor(
    httpServer: HttpServer,
    private readonly options: LiveGatewayOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.io = new Server(httpServer, { serveClient: false, perMessageDeflate: false });
    if (options.redis)
      this.io.adapter(
        createAdapter(options.redis.pub, options.redis.sub, { key: `${options.redis.key}.socket.io` }),
      );
    const nsp = this.io.of(LIVE_NAMESPACE);
    nsp.on('peerAlert', (event: LiveAlertEvent) => options.panels.applyAlert(event));
    nsp.on('peerEvents', (events: readonly Record<string, unknown>[]) =>
      options.panels.applyEvents(events as unknown as readonly StoredEvent[]),
    );
    nsp.use(async (socket, next) => {
      const auth = socket.handshake.auth as {
        token?: unknown;
        filter?: unknown;
        lang?: unknown;
        panel_batches?: unknown;
      };
      const principal = typeof auth.token === 'string' ? options.tokens.identify(auth.token) : undefined;
      if (!principal) {
        const limited = await options
          .onFailedAuthentication?.(socket.handshake.address)
          .catch(() => undefined);
        if (limited) {
          return next(
            Object.assign(new Error('rate_limited'), {
              data: { error: 'rate_limited', retry_after: limited.retryAfter },
            }),
          );
        }
        return next(Object.assign(new Error('unauthorized'), { data: { error: 'unauthorized' } }));
      }
      if (principal.role === 'ingest') {
        return next(Object.assign(new Error('forbidden'), { data: { error: 'forbidden' } }));
      }
      const parsed = parseFilter(auth.filter);
      let filter = typeof parsed === 'string' ? {} : parsed;
      let visible: VisibleStores;
      if (isScoped(principal)) {
        try {
          visible = options.scopes ? await options.scopes.of(principal) : visibleStores(principal);
        } catch {
          return next(Object.assign(new Error('unavailable'), { data: { error: 'unavailable' } }));
        }
        if (filter.store_id && !storeVisible(visible, filter.store_id)) filter = {};
      }
      socket.data = {
        // On the live stream an admin may do what an operator may.
        role: principal.role === 'admin' ? 'operator' : principal.role,
        locale: (typeof auth.lang === 'string' ? localeOfTag(auth.lang) : undefined) ?? DEFAULT_LOCALE,
        tokenName: principal.name,
        filter,
        panelBatches: auth.panel_batches === true,
        ...(isScoped(principal) && {
          scope: { stores: principal.stores, regions: principal.regions },
          visible: visible ?? new Set(),
        }),
      };
      next();
    });
    nsp.on('connection', (socket: LiveSocket) => {
      socket.join([LANGUAGE_ROOM[socket.data.locale], PANEL_MODE_ROOM[modeOf(socket)]]);
      this.follow(socket, socket.data.filter);
      socket.on('subscribe', (raw, ack) => {
        const filter = parseFilter(raw);
        if (typeof filter === 'string') {
          ack?.({ ok: false, error: 'invalid_filter', message: filter });
          return;
        }
        if (filter.store_id && !storeVisible(socket.data.visible, filter.store_id)) {
          ack?.({
            ok: false,
            error: 'invalid_filter',
            message: `store ${filter.store_id} is outside this token's scope`,
          });
          return;
        }
        socket.leave(this.roomOfSocket(socket, socket.data.filter));
        socket.data.filter = filter;
        ack?.({ ok: true, filter });
        this.follow(socket, filter);
      });
      socket.on('disconnect', () => this.behind.delete(socket.id));
    });
    this.timer = setInterval(() => this.publishPanels(), options.panelIntervalMs ?? 250);
    this.timer.unref();
  }

  /**
   * Sends an alert transition at once to every room that sees it: `event` (sentences in Chinese) to
   * the Chinese clients, `english` (the same transition rendered in English) to the English ones.
   */
  publishAlert(event: LiveAlertEvent, english: LiveAlertEvent = event): void {
    const rooms = [ALL];
    const store = event.alert.store_id;
    const region = store ? this.options.panels.regionOf(store) : undefined;
    if (store) {
      rooms.push(`store:${store}`);
      if (region) rooms.push(`region:${region}`);
    }
    const existing = this.io.of(LIVE_NAMESPACE).adapter.rooms;
    for (const [room, scoped] of this.scopedRooms) {
      if (!existing.has(room)) continue;
      if (storeVisible(scoped.visible, store) && matchesFilter(scoped.filter, store, region))
        rooms.push(room);
    }
    const nsp = this.io.of(LIVE_NAMESPACE);
    nsp.to(rooms).except(LANGUAGE_ROOM.en).emit('alert', event);
    nsp.to(rooms).except(LANGUAGE_ROOM['zh-CN']).emit('alert', english);
    if (this.options.redis) this.io.of(LIVE_NAMESPACE).serverSideEmit('peerAlert', event);
  }

  /**
   * Something was committed: the batched clients' next pass comes at most `batchIntervalMs` after
   * their last one. Per-panel clients keep the 250 ms passes.
   */
  panelsChanged(): void {
    if (this.batchedPassTimer) return;
    if (!this.io.of(LIVE_NAMESPACE).adapter.rooms.has(PANEL_MODE_ROOM.batched)) return;
    const wait = Math.max(0, this.lastBatchedPass + (this.options.batchIntervalMs ?? 50) - this.now());
    this.batchedPassTimer = setTimeout(() => {
      this.batchedPassTimer = undefined;
      this.publishPanels(['batched']);
    }, wait);
    this.batchedPassTimer.unref();
  }

  /** Joined streams: events this collector committed, for the other collectors' panels. */
  shareEvents(events: readonly StoredEvent[]): void {
    if (this.options.redis && events.length > 0)
      this.io.of(LIVE_NAMESPACE).serverSideEmit('peerEvents', events as unknown as Record<string, unknown>[]);
  }

  /**
   * Closes the sockets whose token is no longer good (removed, expired, or given another role or
   * scope), and looks the region scopes up again. Called after every check of the tokens file.
   */
  revalidate(): void {
    const nsp = this.io.of(LIVE_NAMESPACE);
    for (const socket of nsp.sockets.values()) {
      const token = (socket.handshake.auth as { token?: unknown }).token;
      const principal = typeof token === 'string' ? this.options.tokens.identify(token) : undefined;
      const role = principal?.role === 'admin' ? 'operator' : principal?.role;
      if (
        !principal ||
        role !== socket.data.role ||
        principal.name !== socket.data.tokenName ||
        !sameScope(isScoped(principal) ? principal : undefined, socket.data.scope)
      )
        socket.disconnect(true);
    }
    for (const [room, scoped] of this.scopedRooms) {
      if (!nsp.adapter.rooms.has(room)) {
        this.scopedRooms.delete(room);
        continue;
      }
      const member = [...(nsp.adapter.rooms.get(room) ?? [])][0];
      const scope = member ? nsp.sockets.get(member)?.data.scope : undefined;
      if (!scope?.regions || !this.options.scopes) continue;
      this.options.scopes.of(scope).then(
        (visible) => {
          if (visible) scoped.visible = visible;
        },
        () => undefined,
      );
    }
  }

  /** Connected clients by role, for the live-clients gauge. */
  clientCounts(): { viewer: number; operator: number } {
    const counts = { viewer: 0, operator: 0 };
    for (const socket of this.io.of(LIVE_NAMESPACE).sockets.values()) counts[socket.data.role]++;
    return counts;
  }

  /** Drops every client; the HTTP server itself belongs to fastify, which closes it. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.batchedPassTimer);
    // Closing the transports (not disconnecting the sockets) lets clients reconnect by themselves
    // to whichever collector comes back: an "io server disconnect" would stop them for good.
    this.io.engine.close();
  }

  private roomOfSocket(socket: LiveSocket, filter: LiveFilter): string {
    // The scope is in the name: sockets let in before and after the token's scope changed never share a room.
    const key = socket.data.visible
      ? `${socket.data.tokenName}#${JSON.stringify(socket.data.scope)}`
      : undefined;
    return roomOf(filter, key);
  }

  private follow(socket: LiveSocket, filter: LiveFilter): void {
    const room = this.roomOfSocket(socket, filter);
    if (socket.data.visible && !this.scopedRooms.has(room))
      this.scopedRooms.set(room, { filter, visible: socket.data.visible });
    socket.join(room);
    this.sendSnapshot(socket, filter);
  }

  private inLanguage(alerts: Alert[], locale: Locale): Alert[] {
    if (locale === DEFAULT_LOCALE) return alerts;
    const reader = { locale, ...(this.options.timeZone && { timeZone: this.options.timeZone }) };
    return alerts.map((a) => alertFor(a, reader));
  }

  private sendSnapshot(socket: LiveSocket, filter: LiveFilter): void {
    const room = this.roomOfSocket(socket, filter);
    const visible = this.scopedRooms.get(room)?.visible;
    const now = this.now();
    const snapshot: LiveSnapshot = {
      at: now,
      filter,
      panels: this.options.panels.panels(filter, now, visible),
      alerts: this.inLanguage(this.options.panels.alerts(filter, 200, visible), socket.data.locale),
      scopes: this.options.panels.scopes(visible),
    };
    socket.emit('snapshot', snapshot);
    const lastSent = this.lastSent[modeOf(socket)];
    const sent = lastSent.get(room);
    // A room's first listener: what the snapshot carried counts as sent, so the next pass sends changes only.
    if (!sent) {
      lastSent.set(room, new Map(PANEL_NAMES.map((name) => [name, JSON.stringify(snapshot.panels[name])])));
      return;
    }
    // The room's other listeners hold what the last pass sent, this one the snapshot. Where the two
    // differ, the next pass sends the panel again to all: otherwise, should the data go back to what
    // the last pass sent, this listener would keep the snapshot's figures for good (an alert
    // re-opened within a pass showed on the board while its counts stayed at 0).
    for (const name of PANEL_NAMES)
      if (sent.get(name) !== JSON.stringify(snapshot.panels[name])) sent.delete(name);
  }

  /**
   * One pass: for each room with listeners, send the panels whose data changed since its last send,
   * to its per-panel clients as one `panel` each and to its batched clients as one `panels`.
   * A client with a backlog gets nothing more until it drains; then it gets a fresh snapshot
   * (drop-to-latest). A client whose backlog passes the hard limit is disconnected.
   */
  publishPanels(modes: readonly PanelMode[] = ['single', 'batched']): void {
    const nsp = this.io.of(LIVE_NAMESPACE);
    const now = this.now();
    if (modes.includes('batched')) this.lastBatchedPass = now;
    this.options.panels.prune(now);
    const soft = this.options.softBufferedPackets ?? 64;
    const hard = this.options.maxBufferedPackets ?? 1000;
    const held: string[] = [];
    for (const socket of nsp.sockets.values()) {
      const buffered = (socket.conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length;
      if (buffered > hard) {
        // Transport close, so the client reconnects and starts again from a snapshot.
        socket.conn.close();
      } else if (buffered > soft) {
        this.behind.add(socket.id);
        held.push(socket.id);
      } else if (this.behind.delete(socket.id)) {
        this.sendSnapshot(socket, socket.data.filter);
        held.push(socket.id);
      }
    }
    const rooms = nsp.adapter.rooms;
    for (const lastSent of Object.values(this.lastSent))
      for (const room of [...lastSent.keys()]) if (!rooms.has(room)) lastSent.delete(room);
    for (const room of [...this.scopedRooms.keys()]) if (!rooms.has(room)) this.scopedRooms.delete(room);
    const present = modes.filter((mode) => rooms.has(PANEL_MODE_ROOM[mode]));
    if (present.length === 0) return;
    for (const [room, members] of rooms) {
      const scoped = this.scopedRooms.get(room);
      if (!scoped && room !== ALL && !room.startsWith('store:') && !room.startsWith('region:')) continue;
      if (members.size === 0) continue;
      const filter: LiveFilter = scoped
        ? scoped.filter
        : room === ALL
          ? {}
          : room.startsWith('store:')
            ? { store_id: room.slice(6) }
            : { region: room.slice(7) };
      const data = this.options.panels.panels(filter, now, scoped?.visible);
      const json = new Map(PANEL_NAMES.map((name) => [name, JSON.stringify(data[name])]));
      for (const mode of present) {
        let sent = this.lastSent[mode].get(room);
        if (!sent) {
          sent = new Map();
          this.lastSent[mode].set(room, sent);
        }
        const updates: PanelUpdate[] = [];
        for (const name of PANEL_NAMES) {
          if (sent.get(name) === json.get(name)) continue;
          sent.set(name, json.get(name)!);
          updates.push({ name, data: data[name], at: now } as PanelUpdate);
        }
        if (updates.length === 0) continue;
        // Every collector sends its own clients their panels (joined streams would repeat them).
        const to = nsp.local
          .to(room)
          .except(held)
          .except(PANEL_MODE_ROOM[mode === 'batched' ? 'single' : 'batched']);
        if (mode === 'batched') to.emit('panels', { at: now, updates } satisfies PanelBatch);
        else for (const update of updates) to.emit('panel', update);
      }
    }
  }
}
