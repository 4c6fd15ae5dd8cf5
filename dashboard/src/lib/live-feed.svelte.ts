// The wall display's live state, fed by the /live socket: panels, the alert board, known scopes
// and the connection state the "disconnected — reconnecting" banner shows.
import type {
  LiveFilter,
  LiveSnapshot,
  PanelBatch,
  PanelDataMap,
  PanelUpdate,
} from '../../../collector/src/live/events.ts';
import { applyAlertEvent, type BoardEntry, boardFromAlerts, pruneFaded } from './alert-board.ts';
import type { LiveSocket } from './socket.ts';

/** `refused`: the server rejected the token; the socket does not retry on its own then. */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'refused';

export class LiveFeed {
  connection = $state<ConnectionState>('connecting');
  refusal = $state('');
  // Raw state: chart.js and the board get plain objects, never deep proxies.
  panels = $state.raw<PanelDataMap | null>(null);
  board = $state.raw<BoardEntry[]>([]);
  scopes = $state.raw<{ stores: string[]; regions: string[] }>({ stores: [], regions: [] });
  filter = $state.raw<LiveFilter>({});
  /** Client time of the last message from the server. */
  lastMessageAt = $state<number | null>(null);

  readonly #socket: LiveSocket;
  readonly #clock: () => number;

  /** `connect` opens the socket; it reads the filter to send on every (re)connect from the feed. */
  constructor(
    connect: (currentFilter: () => LiveFilter) => LiveSocket,
    initialFilter: LiveFilter,
    clock: () => number = Date.now,
  ) {
    this.#clock = clock;
    this.filter = initialFilter;
    const socket = connect(() => this.filter);
    this.#socket = socket;
    socket.on('connect', () => {
      this.connection = 'live';
      this.refusal = '';
    });
    socket.on('disconnect', () => {
      this.connection = 'reconnecting';
    });
    socket.on('connect_error', (err) => {
      // A middleware refusal (bad token) leaves the socket inactive; a transport error keeps retrying.
      if (socket.active) {
        this.connection = 'reconnecting';
      } else {
        this.connection = 'refused';
        this.refusal = err.message;
      }
    });
    socket.on('snapshot', (s) => this.#onSnapshot(s));
    socket.on('panel', (u) => this.#onPanels([u]));
    socket.on('panels', (b: PanelBatch) => this.#onPanels(b.updates));
    socket.on('alert', (e) => {
      this.lastMessageAt = this.#clock();
      this.board = applyAlertEvent(this.board, e, this.#clock());
    });
  }

  #onSnapshot(s: LiveSnapshot): void {
    this.lastMessageAt = this.#clock();
    this.panels = s.panels;
    this.board = boardFromAlerts(s.alerts, this.#clock());
    this.scopes = s.scopes;
  }

  /** One assignment per message, so a batch re-renders the charts once. */
  #onPanels(updates: readonly PanelUpdate[]): void {
    this.lastMessageAt = this.#clock();
    if (!this.panels) return;
    const next = { ...this.panels };
    for (const u of updates) (next as Record<string, unknown>)[u.name] = u.data;
    this.panels = next;
  }

  /** Show another store/region; the server answers with a fresh snapshot. */
  setFilter(filter: LiveFilter): void {
    this.filter = filter;
    this.#socket.emit('subscribe', filter);
  }

  /** Called once a second: lets resolved alerts finish fading. */
  tick(now: number): void {
    this.board = pruneFaded(this.board, now);
  }

  close(): void {
    this.#socket.disconnect();
  }
}
