// The simulator's sending discipline against a real local HTTP server standing in for the collector:
// `--rate` caps events per second on the simulator's own (injected) clock, and a 503 with
// Retry-After is waited out for as long as it says, then the same events are sent again — nothing
// lost, nothing counted twice. Time is a VirtualClock: the assertions are on counts against the
// sender's schedule, never on wall-clock time.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Scenario } from '../../src/simulator/scenario.ts';
import { defaultScenarioConfig } from '../../src/simulator/scenario-config.ts';
import { Progress } from '../../src/simulator/sender/progress.ts';
import { runSimulation } from '../../src/simulator/sender/run-simulation.ts';
import { VirtualClock } from './virtual-clock.ts';

interface Delivery {
  /** The virtual time the request arrived at (never before the sender sent it). */
  at: number;
  ids: string[];
  status: number;
}

/** Just enough of the collector: health, token probe, NDJSON events (deduplicated by id), the bill. */
class FakeCollector {
  readonly deliveries: Delivery[] = [];
  readonly accepted = new Set<string>();
  duplicates = 0;
  #refuse: number;
  readonly #server: Server;

  constructor(
    private readonly clock: VirtualClock,
    options: { refuseFirst?: number; retryAfterSeconds?: number } = {},
  ) {
    this.#refuse = options.refuseFirst ?? 0;
    this.#server = createServer(async (req, res) => {
      const body = await read(req);
      if (req.method === 'GET' && req.url === '/healthz') return res.writeHead(200).end('{"status":"ok"}');
      if (req.method === 'GET' && req.url?.startsWith('/v1/alerts')) return res.writeHead(403).end('{}');
      if (req.method === 'POST' && req.url === '/v1/bills/wechatpay') return res.writeHead(200).end('{}');
      if (req.method !== 'POST' || req.url !== '/v1/events') return res.writeHead(404).end('{}');
      const ids = body
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => (JSON.parse(line) as { id: string }).id);
      if (this.#refuse > 0) {
        this.#refuse--;
        this.deliveries.push({ at: this.clock.now(), ids, status: 503 });
        res.writeHead(503, {
          'content-type': 'application/json',
          'retry-after': String(options.retryAfterSeconds ?? 1),
        });
        return res.end('{"error":"store_unavailable","message":"the store is unavailable"}');
      }
      this.deliveries.push({ at: this.clock.now(), ids, status: 202 });
      let fresh = 0;
      for (const id of ids) {
        if (this.accepted.has(id)) this.duplicates++;
        else {
          this.accepted.add(id);
          fresh++;
        }
      }
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accepted: fresh, duplicates: ids.length - fresh, rejected: [] }));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// Two stores' back-dated hour, no live traffic: a few hundred events, all through /v1/events
// (without provider keys, callbacks and carrier pushes go as events too).
function smallScenario(): Scenario {
  const startMs = Date.parse('2026-11-11T12:00:00Z');
  return new Scenario(defaultScenarioConfig({ startMs, stores: 2, durationMs: 0, runId: 'ratetest' }));
}

let collector: FakeCollector | undefined;
afterEach(async () => {
  await collector?.close();
  collector = undefined;
});

describe('simulator --rate', () => {
  const RATE = 40;

  it('never sends more than the rate allows on its own clock, and does not wait longer than it needs', async () => {
    const clock = new VirtualClock();
    collector = new FakeCollector(clock);
    const url = await collector.listen();
    const progress = new Progress();
    await runSimulation({
      scenario: smallScenario(),
      target: { url, ingestToken: 'tok' },
      progress,
      live: false,
      ratePerSecond: RATE,
      batchSize: 10,
      concurrency: 4,
      pacingClock: clock,
    });

    const total = collector.accepted.size;
    expect(total).toBeGreaterThan(5 * RATE);
    expect(progress.counts.errors).toBe(0);
    // The token bucket holds one second's worth: by any time t (seconds) at most RATE·t + RATE events
    // can have been sent, and arrivals only lag sends.
    const byTime = collector.deliveries.toSorted((a, b) => a.at - b.at);
    let arrived = 0;
    for (const d of byTime) {
      arrived += d.ids.length;
      expect(arrived).toBeLessThanOrEqual((RATE * d.at) / 1000 + RATE);
    }
    // …and the whole run takes about total/RATE seconds of its clock, not much more.
    expect(clock.now()).toBeGreaterThanOrEqual(((total - RATE) / RATE) * 1000);
    expect(clock.now()).toBeLessThanOrEqual((total / RATE + 1) * 1000);
  });

  it('without --rate nothing waits: the same scenario goes out at one instant of the clock', async () => {
    const clock = new VirtualClock();
    collector = new FakeCollector(clock);
    const url = await collector.listen();
    await runSimulation({
      scenario: smallScenario(),
      target: { url, ingestToken: 'tok' },
      progress: new Progress(),
      live: false,
      batchSize: 10,
      pacingClock: clock,
    });
    expect(collector.accepted.size).toBeGreaterThan(5 * RATE);
    expect(clock.sleeps).toEqual([]);
    expect(clock.now()).toBe(0);
  });
});

describe('simulator on 503 with Retry-After', () => {
  it('waits as long as Retry-After says and resends the same events: none lost, none counted twice', async () => {
    const clock = new VirtualClock();
    collector = new FakeCollector(clock, { refuseFirst: 3, retryAfterSeconds: 7 });
    const url = await collector.listen();
    const progress = new Progress();
    await runSimulation({
      scenario: smallScenario(),
      target: { url, ingestToken: 'tok' },
      progress,
      live: false,
      batchSize: 50,
      // one request at a time, so the refused ones are the first three batches and nothing overtakes them
      concurrency: 1,
      pacingClock: clock,
    });

    const refused = collector.deliveries.filter((d) => d.status === 503);
    expect(refused).toHaveLength(3);
    // no --rate: every sleep is a retry wait, each exactly the 7 s asked for
    expect(clock.sleeps).toEqual([7_000, 7_000, 7_000]);
    expect(progress.counts.retries).toBe(3);
    // the batch refused is the batch sent next, whole and unchanged
    const accepted = collector.deliveries.filter((d) => d.status === 202);
    expect(accepted[0]!.ids).toEqual(refused[0]!.ids);
    expect(refused[1]!.ids).toEqual(refused[0]!.ids);
    expect(accepted[0]!.at).toBeGreaterThanOrEqual(refused[2]!.at + 7_000);
    // every event arrived once: what the simulator counts is what the collector took
    const sentIds = accepted.flatMap((d) => d.ids);
    expect(new Set(sentIds).size).toBe(sentIds.length);
    expect(collector.duplicates).toBe(0);
    expect(progress.counts.duplicates).toBe(0);
    expect(progress.counts.errors).toBe(0);
    expect(progress.counts.events + progress.counts.payments + progress.counts.pushes).toBe(
      collector.accepted.size,
    );
  });
});
