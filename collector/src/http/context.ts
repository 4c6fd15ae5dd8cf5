// What route plugins receive: the app's parts, built once in app.ts.

import type { TokenRegistry } from '../auth/tokens.ts';
import type { VisibleStoresResolver } from '../auth/visible-stores.ts';
import type { Config } from '../config/load-config.ts';
import type { LiveGateway } from '../live/gateway.ts';
import type { LivePanels } from '../live/live-panels.ts';
import type { OrderPulseMetrics } from '../metrics/orderpulse-metrics.ts';
import type { Database } from '../store/database.ts';
import type { NewDeadLetter } from '../store/dead-letters.ts';
import type { EventWriter } from '../store/event-writer.ts';

export interface ReadinessCheck {
  name: string;
  check(): Promise<{ ok: boolean; detail?: unknown }>;
}

export interface AppContext {
  config: Config;
  db: Database;
  writer: EventWriter;
  /** Where accepted events go: `writer`, or the broker in cluster mode. */
  sink: Pick<EventWriter, 'write'>;
  tokens: TokenRegistry;
  /** The stores a caller's scope lets it see (see auth/scope.ts). */
  scopes: VisibleStoresResolver;
  readiness: ReadinessCheck[];
  /** Live panels state and the Socket.IO gateway: alert transitions go to `live.gateway.publishAlert` and `live.panels.applyAlert`. */
  live: { panels: LivePanels; gateway: LiveGateway };
  metrics: OrderPulseMetrics;
  /**
   * Stores refused input and counts it by reason; every endpoint keeps dead letters through this.
   * An authenticated caller's body is kept whole, anyone else's as a preview with length and SHA-256.
   */
  keepDeadLetters(letters: NewDeadLetter[]): Promise<void>;
}
