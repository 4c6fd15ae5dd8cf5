// What the collector and its PostgreSQL backends were doing while a bench phase ran, to tell where
// slow acknowledgements come from: the backends' statements and wait events sampled from
// pg_stat_activity, the collector's own ack and commit histograms and its event-loop delay read from
// /metrics. Then, for the slowest requests, which other statement of the collector was running
// while they waited (the rollup applier, the gauges, a lookup) compared with all requests.
import pg from 'pg';
import { TOKENS } from '../collector/test/support/test-app.ts';

interface Sample {
  at: number;
  active: { wait: string; query: string }[];
}

/** A statement's kind: its first words, parameters and whitespace folded. */
const kindOf = (query: string) =>
  query
    .replace(/\s+/g, ' ')
    .replace(/^(-- [^\n]*)?\s*/, '')
    .slice(0, 48);

/** Scrapes /metrics into name{labels} → value. */
async function scrape(base: string): Promise<Map<string, number>> {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } });
  const values = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

export interface Observation {
  /** Lines for the bench's table: [what, figure]. */
  rows(requests: { sentAt: number; ms: number }[]): string[][];
}

/**
 * Starts observing; the returned stop() ends sampling and gives the observation. Sampling costs
 * the load generator one small query every `everyMs` and a scrape every 5 s (the collector's
 * default-metrics window, over which its event-loop delay figures are kept).
 */
export async function observeCollector(
  url: string,
  base: string,
  appName: string,
  everyMs = 20,
): Promise<{ stop: () => Promise<Observation> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const before = await scrape(base);
  const samples: Sample[] = [];
  const loop: { p99: number; max: number }[] = [];
  let running = true;
  const sampling = (async () => {
    while (running) {
      const at = performance.now();
      const { rows } = await client.query<{ wait: string | null; query: string }>(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') AS wait, query
         FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'`,
        [appName],
      );
      samples.push({ at, active: rows.map((r) => ({ wait: r.wait ?? 'CPU', query: kindOf(r.query) })) });
      const wait = everyMs - (performance.now() - at);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  const scraping = setInterval(() => {
    void scrape(base).then(
      (m) =>
        loop.push({
          p99: m.get('orderpulse_nodejs_eventloop_lag_p99_seconds') ?? Number.NaN,
          max: m.get('orderpulse_nodejs_eventloop_lag_max_seconds') ?? Number.NaN,
        }),
      () => {},
    );
  }, 5_000);

  return {
    stop: async () => {
      running = false;
      clearInterval(scraping);
      await sampling;
      await client.end();
      const after = await scrape(base);
      const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
      return {
        rows(requests) {
          const acks = delta('orderpulse_ingest_ack_seconds_count');
          const commits = delta('orderpulse_store_commit_seconds_count');
          const over = (metric: string, le: string, count: number) =>
            count - delta(`${metric}_bucket{le="${le}"}`);
          const ackMean = (delta('orderpulse_ingest_ack_seconds_sum') / acks) * 1000;
          const commitMean = (delta('orderpulse_store_commit_seconds_sum') / commits) * 1000;
          // Statements and waits of the collector's backends, as shares of the samples.
          const seen = new Map<string, number>();
          for (const s of samples)
            for (const a of s.active)
              seen.set(`${a.query} — ${a.wait}`, (seen.get(`${a.query} — ${a.wait}`) ?? 0) + 1);
          const top = [...seen]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 6)
            .map(([what, n]) => `${what} ${((n / samples.length) * 100).toFixed(0)} %`)
            .join('; ');
          // Requests in flight while a statement other than ingest_batch ran on a backend: any such
          // statement, then each kind of statement on its own.
          const others = samples
            .map((s) => ({
              at: s.at,
              kinds: s.active.filter((a) => !a.query.includes('ingest_batch')).map((a) => a.query),
            }))
            .filter((s) => s.kinds.length > 0);
          const overlapped = (r: { sentAt: number; ms: number }, kind?: string) =>
            others.some(
              (s) =>
                s.at >= r.sentAt && s.at <= r.sentAt + r.ms && (kind === undefined || s.kinds.includes(kind)),
            );
          const sorted = [...requests].sort((a, b) => b.ms - a.ms);
          const slowest = sorted.slice(0, Math.max(1, Math.floor(sorted.length / 100)));
          const share = (rs: typeof requests, kind?: string) =>
            rs.length === 0
              ? 0
              : Math.round((rs.filter((r) => overlapped(r, kind)).length / rs.length) * 100);
          const kinds = [...new Set(others.flatMap((s) => s.kinds))]
            .map((kind) => ({ kind, slowest: share(slowest, kind), all: share(requests, kind) }))
            .sort((a, b) => b.slowest - a.slowest)
            .slice(0, 4);
          // The collector computes these figures every 5 s on a timer of its own, and a scrape reads
          // the latest: the first scrape's window can begin before the phase did (in the throughput
          // phase just before, whose 300–400 ms runs of work it reported as this phase's "stall"; the
          // collector's CPU profile had no run over 38 ms in the phase itself). It is left out.
          const windows = loop.slice(1);
          const loopP99 = Math.max(...windows.map((l) => l.p99)) * 1000;
          const loopMax = Math.max(...windows.map((l) => l.max)) * 1000;
          return [
            [
              "collector's own ack (request in → reply) / its group commits",
              `mean ${ackMean.toFixed(1)} / ${commitMean.toFixed(1)} ms; acks over 10 ms ${over('orderpulse_ingest_ack_seconds', '0.01', acks)} of ${acks}, ` +
                `over 25 ms ${over('orderpulse_ingest_ack_seconds', '0.025', acks)}; commits over 10 ms ${over('orderpulse_store_commit_seconds', '0.01', commits)} of ${commits}`,
            ],
            [
              "collector's event-loop delay (5 s windows: worst p99 / worst max)",
              `${loopP99.toFixed(1)} / ${loopMax.toFixed(1)} ms over ${windows.length} windows`,
            ],
            [
              `its backends, sampled every ${everyMs} ms (${samples.length} samples): statement — wait, share of samples`,
              top,
            ],
            [
              'requests in flight while another statement of the collector ran (applier, gauges, lookups): slowest 1 % / all',
              `${share(slowest)} % / ${share(requests)} %`,
            ],
            ...kinds.map(({ kind, slowest: inSlowest, all }) => [
              `  … while ${kind} ran: slowest 1 % / all`,
              `${inSlowest} % / ${all} %`,
            ]),
          ];
        },
      };
    },
  };
}
