// The dead man's switch: an alert that always fires while OrderPulse runs, pushed to every Alertmanager
// routes.yaml names (the kube-prometheus `Watchdog` convention). Alertmanager routes it to a receiver
// that expects a steady stream of notifications and pages when they stop: each push is valid for four
// intervals (as Prometheus's own alerts are), so once the collector stops, Alertmanager resolves it.
//
// It does not go through the outbox: a heartbeat is only worth sending now, and a missed one is
// followed by the next; queueing stale heartbeats would hide exactly the outage it reports.
import type { Channel } from './channel.ts';
import { AlertmanagerChannel, type PostableAlert, senderLabels } from './channels/alertmanager.ts';

export const WATCHDOG_ALERTNAME = 'Watchdog';

/** The Watchdog's labels: Alertmanager routes on `alertname="Watchdog"` (deploy/alertmanager.yml). */
export function watchdogLabels(instance: string | undefined): Record<string, string> {
  return { alertname: WATCHDOG_ALERTNAME, severity: 'none', ...senderLabels(instance) };
}

export function watchdogAlert(options: {
  instance: string | undefined;
  startedAt: number;
  now: number;
  intervalMs: number;
  generatorURL: string;
}): PostableAlert {
  return {
    labels: watchdogLabels(options.instance),
    annotations: {
      summary:
        'OrderPulse is running. This alert always fires; route it to a dead man’s switch, which pages when it stops.',
      summary_zh:
        'OrderPulse 正在运行。此告警始终处于触发状态，请路由到“死人开关”接收器：告警中断即表示 OrderPulse 已停止。',
    },
    startsAt: new Date(options.startedAt).toISOString(),
    endsAt: new Date(options.now + 4 * options.intervalMs).toISOString(),
    generatorURL: options.generatorURL,
  };
}

export interface WatchdogLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export class WatchdogHeartbeat {
  readonly #startedAt: number;
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;
  /** Alertmanager URLs whose last push failed (said once per outage, not every interval). */
  readonly #failing = new Set<string>();

  constructor(
    private readonly options: {
      /** The channels routes.yaml configures; the Alertmanager ones get the heartbeat. */
      channels: () => Iterable<Channel>;
      intervalMs: number;
      generatorURL: string;
      now?: () => number;
      log?: WatchdogLog;
    },
  ) {
    this.#startedAt = (options.now ?? Date.now)();
  }

  start(): void {
    if (this.options.intervalMs <= 0 || this.#timer !== undefined) return;
    void this.beat();
    this.#timer = setInterval(() => void this.beat(), this.options.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#beating;
  }

  /** Pushes the Watchdog to each distinct Alertmanager once; resolves when every push has ended. */
  beat(): Promise<void> {
    if (this.#beating !== undefined) return this.#beating;
    this.#beating = this.#push().finally(() => {
      this.#beating = undefined;
    });
    return this.#beating;
  }

  async #push(): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    const byUrl = new Map<string, AlertmanagerChannel>();
    for (const channel of this.options.channels()) {
      if (channel instanceof AlertmanagerChannel && !byUrl.has(channel.url)) byUrl.set(channel.url, channel);
    }
    await Promise.all(
      [...byUrl].map(async ([url, channel]) => {
        const alert = watchdogAlert({
          instance: channel.instance,
          startedAt: this.#startedAt,
          now,
          intervalMs: this.options.intervalMs,
          generatorURL: this.options.generatorURL,
        });
        try {
          await channel.push([alert]);
          if (this.#failing.delete(url))
            this.options.log?.info({ alertmanager: hostOf(url) }, 'watchdog: pushed again');
        } catch (error) {
          if (!this.#failing.has(url)) {
            this.#failing.add(url);
            this.options.log?.warn(
              { alertmanager: hostOf(url), reason: (error as Error).message },
              'watchdog: the heartbeat could not be pushed to Alertmanager',
            );
          }
        }
      }),
    );
  }
}

/** Logs name the host only: a URL may carry credentials. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid-url';
  }
}
