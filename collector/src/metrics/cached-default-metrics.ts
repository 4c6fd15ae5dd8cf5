// prom-client's default process metrics, collected on a timer instead of by the scrape. Their
// collectors read /proc synchronously (resident memory, open descriptors), walk V8's heap
// spaces and the event-loop delay histogram: most of a /metrics render's time, and spent while
// the event loop is blocked. Here they run on their own timer and a scrape serves the latest
// values, at most `refreshMs` old. The families keep their names, HELP, TYPE and labels.
//
// The event-loop delay min/max/percentiles cover the refresh interval instead of "since the
// previous scrape": a fixed window, where the old one depended on how many Prometheus servers
// scraped and when.
import {
  collectDefaultMetrics,
  type Metric,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from 'prom-client';

type Collected = MetricObjectWithValues<MetricValue<string>>;
/** What a Registry reads of a metric it renders. */
interface Family {
  name: string;
  help: string;
  type: Collected['type'];
  aggregator: Collected['aggregator'];
  get(): Promise<Collected>;
}

export interface CachedDefaultMetrics {
  /** Collects every family now (also done by the timer); resolves once the new values are served. */
  refresh(): Promise<void>;
  stop(): void;
}

export interface CachedDefaultMetricsOptions {
  prefix: string;
  refreshMs: number;
  /** Default families (full names, prefix included) not to expose. */
  exclude: readonly string[];
}

export function cachedDefaultMetrics(
  registry: Registry,
  opts: CachedDefaultMetricsOptions,
): CachedDefaultMetrics {
  const source = new Registry();
  collectDefaultMetrics({ register: source, prefix: opts.prefix });
  for (const name of opts.exclude) source.removeSingleMetric(name);
  const latest = new Map<string, Collected>();
  // getMetricsAsArray is typed as plain objects but holds the metrics themselves
  const families = source.getMetricsAsArray() as unknown as Family[];

  for (const family of families) {
    const name = family.name;
    // The registry only reads name, help, type, aggregator and get(); until the first refresh
    // has completed the scrape collects the family itself.
    const { help, type, aggregator } = family;
    registry.registerMetric({
      name,
      help,
      type,
      aggregator,
      get: async () => latest.get(name) ?? (await family.get()),
    } satisfies Family as unknown as Metric);
  }

  let refreshing: Promise<void> | undefined;
  const refresh = (): Promise<void> => {
    refreshing ??= (async () => {
      try {
        for (const family of families) latest.set(family.name, await family.get());
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  };
  const timer = setInterval(() => void refresh().catch(() => {}), opts.refreshMs);
  timer.unref();
  void refresh().catch(() => {});

  return {
    refresh,
    stop: () => clearInterval(timer),
  };
}
