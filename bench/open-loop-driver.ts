// The load generator of the sustained-ingest benches: the simulator's event mix (the promotion-day
// scenario's orders, payments and carrier checkpoints, as `orderpulse simulate` sends them without
// provider keys) posted open loop at a fixed rate in 50-event requests. Open loop because
// `simulate --rate` sends 1,000-event requests once per second of its token bucket and keeps at most
// 16 in flight, which hides the ack latency a steady till stream sees. Ack latency is measured from
// each request's scheduled send time, so a stalled collector is not excused by a generator that waited.
import type { WireEvent } from '../collector/src/simulator/actions.ts';
import { Scenario } from '../collector/src/simulator/scenario.ts';
import { defaultScenarioConfig } from '../collector/src/simulator/scenario-config.ts';
import { paymentEvent, shipmentEvents } from '../collector/src/simulator/sender/fallback-events.ts';
import { TOKENS } from '../collector/test/support/test-app.ts';

export const PER_REQUEST = 50;
/** Requests still unanswered this long after the window count as not acknowledged. */
const DRAIN_MS = 30_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The simulator's traffic for `hours` of the default chain (~36k events an hour), in event-time order. */
export function simulatorEvents(hours = 3): string[] {
  const scenario = new Scenario(
    defaultScenarioConfig({
      seed: 20261111,
      startMs: Date.now(),
      historyMs: hours * 3_600_000,
      durationMs: 0,
    }),
  );
  const h = scenario.history();
  const events: WireEvent[] = [
    ...h.carryOverEvents,
    ...h.events,
    ...[...h.urgentPayments, ...h.payments].map(paymentEvent),
    ...[...h.carrierFirst, ...h.urgentPushes, ...h.pushes].flatMap(shipmentEvents),
  ];
  const at = (e: WireEvent) => Date.parse((e as { occurred_at: string }).occurred_at);
  events.sort((a, b) => at(a) - at(b));
  return events.map((e) => JSON.stringify(e));
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export interface Phase {
  accepted: number;
  duplicates: number;
  failed: number;
  unanswered: number;
  latencies: number[];
  seconds: number;
}

export class Stream {
  #next = 0;
  constructor(private readonly lines: string[]) {}
  take(n: number): string {
    if (this.#next + n > this.lines.length)
      throw new Error('the scenario ran out of events; lower the rates');
    const body = `${this.lines.slice(this.#next, this.#next + n).join('\n')}\n`;
    this.#next += n;
    return body;
  }
}

/** Posts `rate` events/s for `seconds`, open loop; resolves once every request answered (or timed out). */
export async function drive(base: string, stream: Stream, rate: number, seconds: number): Promise<Phase> {
  const interval = (1000 * PER_REQUEST) / rate;
  const requests = Math.round((rate * seconds) / PER_REQUEST);
  const phase: Phase = { accepted: 0, duplicates: 0, failed: 0, unanswered: 0, latencies: [], seconds: 0 };
  const started = performance.now();
  let lastAck = started;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < requests; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const body = stream.take(PER_REQUEST);
    pending.push(
      fetch(`${base}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${TOKENS.ingest}` },
        body,
        signal: AbortSignal.timeout(seconds * 1000 + DRAIN_MS),
      })
        .then(async (res) => {
          const text = await res.text();
          if (res.status !== 202) {
            phase.failed++;
            return;
          }
          const reply = JSON.parse(text) as { accepted: number; duplicates: number };
          phase.accepted += reply.accepted;
          phase.duplicates += reply.duplicates;
          lastAck = performance.now();
          phase.latencies.push(lastAck - due);
        })
        .catch(() => {
          phase.unanswered++;
        }),
    );
  }
  await Promise.all(pending);
  phase.seconds = (Math.max(lastAck, started + seconds * 1000) - started) / 1000;
  phase.latencies.sort((a, b) => a - b);
  return phase;
}
