import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKuaidi100QueryClient } from '../../src/carriers/kuaidi100-query-client.ts';
import { MemoryPollScheduleStore } from '../../src/carriers/memory-poll-schedule.ts';
import {
  CarrierPoller,
  type PolledTracking,
  type PollerClock,
  type PollerOptions,
} from '../../src/carriers/poller.ts';
import { TokenBucket } from '../../src/carriers/token-bucket.ts';
import type { CarrierQueryError } from '../../src/carriers/tracking-query.ts';
import { FakeClock, FakeKuaidi100 } from './fake-kuaidi100.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2026-06-01T00:00:00Z');

let server: FakeKuaidi100;
let clock: FakeClock;
let store: MemoryPollScheduleStore;
let received: PolledTracking[];
let errors: unknown[];

beforeEach(async () => {
  clock = new FakeClock(T0);
  server = await new FakeKuaidi100(clock.now).listen();
  store = new MemoryPollScheduleStore();
  received = [];
  errors = [];
});

afterEach(async () => {
  await server.close();
});

// Generous timeout: loopback replies can be slow while other test files load the machine; only the
// hanging-carrier test uses a short one.
function poller(options: Partial<PollerOptions> = {}, timeoutMs = 10_000): CarrierPoller {
  return new CarrierPoller({
    store,
    client: createKuaidi100QueryClient({
      baseUrl: server.baseUrl,
      customer: server.customer,
      key: server.key,
      timeoutMs,
    }),
    onTracking: async (polled) => {
      received.push(polled);
    },
    onError: (error) => errors.push(error),
    clock,
    random: () => 0.5,
    ratePerSecond: 1000,
    ...options,
  });
}

const transit = { ftime: '2026-06-01 08:00:00', context: '【杭州市】已揽收', status: '揽收' };
const moving = { ftime: '2026-06-01 12:00:00', context: '【杭州市】快件已发往 北京转运中心', status: '在途' };

describe('polling the query API', () => {
  it('queries a due waybill with a valid sign, hands its checkpoints on and reschedules one interval out', async () => {
    server.waybills.set('YT1', { state: '0', data: [transit, moving] });
    await store.upsert({ carrier: 'yuantong', trackingNo: 'YT1', phone: '1234' }, T0);
    const summary = await poller().runDue();

    expect(summary).toEqual({ polled: 1, tracked: 1, failed: 0, finished: 0, updates: 2 });
    expect(server.requests).toEqual([{ num: 'YT1', com: 'yuantong', phone: '1234', at: T0, signOk: true }]);
    expect(received[0]?.updates.map((u) => [u.state, u.providerCode, u.trackingNo])).toEqual([
      ['collected', '1', 'YT1'],
      ['in_transit', '0', 'YT1'],
    ]);
    const entry = await store.get({ carrier: 'yuantong', trackingNo: 'YT1' });
    expect(entry).toMatchObject({ lastPolledAt: T0, nextPollAt: T0 + 6 * HOUR, failures: 0, active: true });
  });

  it('jitters the interval within ±10 %', async () => {
    for (const [random, expected] of [
      [0, T0 + 5.4 * HOUR],
      [1, T0 + 6.6 * HOUR],
    ] as const) {
      const p = poller({ random: () => random });
      await p.track({ carrier: 'zto', trackingNo: `Z${random}` }, T0);
      expect((await store.get({ carrier: 'zto', trackingNo: `Z${random}` }))?.nextPollAt).toBe(expected);
    }
  });

  it('does not query what is not due', async () => {
    const p = poller();
    await p.track({ carrier: 'yuantong', trackingNo: 'YT1' });
    expect(await p.runDue()).toMatchObject({ polled: 0 });
    expect(server.requests).toEqual([]);
  });

  it('produces the same checkpoint ids on every poll, so re-polling adds nothing new downstream', async () => {
    server.waybills.set('YT1', { state: '0', data: [transit] });
    await store.upsert({ carrier: 'yuantong', trackingNo: 'YT1' }, T0);
    const p = poller();
    await p.runDue();
    server.waybills.set('YT1', { state: '0', data: [transit, moving] });
    clock.advance(7 * HOUR);
    await p.runDue();
    const [first, second] = received.map((r) => r.updates.map((u) => u.id));
    expect(second?.slice(0, 1)).toEqual(first);
    expect(second).toHaveLength(2);
  });

  it('stops polling once the waybill is signed for', async () => {
    server.waybills.set('YT1', { state: '3', ischeck: '1', data: [transit, { ...moving, status: '签收' }] });
    await store.upsert({ carrier: 'yuantong', trackingNo: 'YT1' }, T0);
    const p = poller();
    expect(await p.runDue()).toMatchObject({ finished: 1 });
    clock.advance(24 * HOUR);
    expect(await p.runDue()).toMatchObject({ polled: 0 });
    expect((await store.get({ carrier: 'yuantong', trackingNo: 'YT1' }))?.active).toBe(false);
  });

  it('treats "no result yet" as normal and tries again at the interval', async () => {
    await store.upsert({ carrier: 'yuantong', trackingNo: 'NEW' }, T0);
    expect(await poller().runDue()).toMatchObject({ polled: 1, tracked: 0, failed: 0 });
    expect(await store.get({ carrier: 'yuantong', trackingNo: 'NEW' })).toMatchObject({
      failures: 0,
      nextPollAt: T0 + 6 * HOUR,
    });
  });
});

describe('rate limits', () => {
  it('spaces queries by the global token bucket, across concurrent workers', async () => {
    for (let i = 0; i < 6; i++) {
      server.waybills.set(`W${i}`, { state: '0', data: [transit] });
      await store.upsert({ carrier: 'yuantong', trackingNo: `W${i}` }, T0);
    }
    const summary = await poller({ ratePerSecond: 2, burst: 1, concurrency: 3 }).runDue();
    expect(summary.polled).toBe(6);
    const polledAt: number[] = [];
    for (let i = 0; i < 6; i++) {
      polledAt.push((await store.get({ carrier: 'yuantong', trackingNo: `W${i}` }))!.lastPolledAt!);
    }
    polledAt.sort((a, b) => a - b);
    expect(polledAt[0]).toBe(T0);
    for (let i = 1; i < polledAt.length; i++)
      expect(polledAt[i]! - polledAt[i - 1]!).toBeGreaterThanOrEqual(500);
    expect(polledAt.at(-1)! - polledAt[0]!).toBe(2500);
  });

  it('lets a burst through at once, then refills at the rate', () => {
    const bucket = new TokenBucket(2, 3);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([0, 0, 0, 500]);
    expect(bucket.take(2000)).toBe(0);
  });

  it('pauses every query when the carrier answers 429 with Retry-After', async () => {
    server.script('A', { kind: 'http', status: 429, retryAfter: '120' });
    for (const n of ['A', 'B', 'C']) {
      server.waybills.set(n, { state: '0', data: [transit] });
      await store.upsert({ carrier: 'yuantong', trackingNo: n }, T0);
    }
    const summary = await poller({ concurrency: 1 }).runDue();
    expect(summary).toMatchObject({ polled: 3, failed: 1, tracked: 2 });
    expect(server.requestsFor('B')[0]?.at).toBeGreaterThanOrEqual(T0 + 120_000);
    expect((errors[0] as CarrierQueryError).status).toBe(429);
  });

  it('never queries one waybill twice within 30 minutes, even with a shorter interval', async () => {
    server.waybills.set('YT1', { state: '0', data: [transit] });
    const p = poller({ intervalMs: MIN, jitter: 0 });
    await store.upsert({ carrier: 'yuantong', trackingNo: 'YT1' }, T0);
    for (let minute = 0; minute < 180; minute++) {
      await p.runDue();
      clock.advance(MIN);
    }
    const times = server.requestsFor('YT1').map((r) => r.at);
    expect(times.length).toBe(6);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(30 * MIN);
  });

  it('defers a schedule that asks too early instead of querying', async () => {
    await store.upsert({ carrier: 'yuantong', trackingNo: 'YT1' }, T0);
    await store.markPolled(
      { carrier: 'yuantong', trackingNo: 'YT1' },
      {
        polledAt: T0 - 10 * MIN,
        nextPollAt: T0,
        failures: 0,
        active: true,
      },
    );
    expect(await poller().runDue()).toMatchObject({ polled: 0 });
    expect(server.requests).toEqual([]);
    expect((await store.get({ carrier: 'yuantong', trackingNo: 'YT1' }))?.nextPollAt).toBe(T0 + 20 * MIN);
  });
});

describe('errors and backoff', () => {
  it('backs off 30 min, 1 h, 2 h, … up to the interval on HTTP errors, and recovers', async () => {
    server.waybills.set('YT1', { state: '0', data: [transit] });
    server.script('YT1', ...Array.from({ length: 5 }, () => ({ kind: 'http' as const, status: 502 })));
    await store.upsert({ carrier: 'yuantong', trackingNo: 'YT1' }, T0);
    const p = poller();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      await p.runDue();
      const entry = (await store.get({ carrier: 'yuantong', trackingNo: 'YT1' }))!;
      expect(entry.failures).toBe(i + 1);
      expect(entry.lastError).toBe('HTTP 502');
      delays.push(entry.nextPollAt - clock.now());
      clock.advance(entry.nextPollAt - clock.now());
    }
    expect(delays).toEqual([30 * MIN, HOUR, 2 * HOUR, 4 * HOUR, 6 * HOUR]);
    expect(await p.runDue()).toMatchObject({ tracked: 1 });
    const entry = (await store.get({ carrier: 'yuantong', trackingNo: 'YT1' }))!;
    expect(entry).toMatchObject({ failures: 0, active: true });
    expect(entry.lastError).toBeUndefined();
    expect(server.requestsFor('YT1')).toHaveLength(6);
  });

  it('times out a carrier that does not answer, and backs off', async () => {
    server.script('SLOW', { kind: 'hang' });
    await store.upsert({ carrier: 'yuantong', trackingNo: 'SLOW' }, T0);
    expect(await poller({}, 300).runDue()).toMatchObject({ polled: 1, failed: 1 });
    expect((errors[0] as CarrierQueryError).kind).toBe('timeout');
    expect(await store.get({ carrier: 'yuantong', trackingNo: 'SLOW' })).toMatchObject({
      failures: 1,
      nextPollAt: T0 + 30 * MIN,
    });
  });

  it('counts an unreadable reply, a refusal and a connection failure as failures', async () => {
    server.script('G', { kind: 'garbage' });
    server.script('R', { kind: 'refuse', returnCode: '408', message: '手机号码校验失败' });
    for (const n of ['G', 'R']) await store.upsert({ carrier: 'shunfeng', trackingNo: n }, T0);
    expect(await poller().runDue()).toMatchObject({ polled: 2, failed: 2 });
    expect((errors[0] as CarrierQueryError).kind).toBe('bad_reply');
    expect((await store.get({ carrier: 'shunfeng', trackingNo: 'R' }))?.lastError).toContain('refused 408');

    const closed = new FakeKuaidi100(clock.now);
    await closed.listen();
    await closed.close();
    await store.upsert({ carrier: 'yuantong', trackingNo: 'X' }, clock.now());
    const offline = new CarrierPoller({
      store,
      client: createKuaidi100QueryClient({ baseUrl: closed.baseUrl, customer: 'c', key: 'k' }),
      onTracking: async () => {},
      onError: (error) => errors.push(error),
      clock,
    });
    expect(await offline.runDue()).toMatchObject({ failed: 1 });
    expect((errors.at(-1) as CarrierQueryError).kind).toBe('network');
  });

  it('re-polls later when the ingest callback fails', async () => {
    server.waybills.set('YT1', { state: '0', data: [transit] });
    await store.upsert({ carrier: 'yuantong', trackingNo: 'YT1' }, T0);
    const p = poller({
      onTracking: async () => {
        throw new Error('store unavailable');
      },
    });
    expect(await p.runDue()).toMatchObject({ failed: 1 });
    expect(await store.get({ carrier: 'yuantong', trackingNo: 'YT1' })).toMatchObject({
      failures: 1,
      lastError: 'store unavailable',
      nextPollAt: T0 + 30 * MIN,
    });
  });
});

describe('pushes and the schedule', () => {
  it('a push postpones the next query; an ended push stops polling', async () => {
    const p = poller();
    const key = { carrier: 'yuantong', trackingNo: 'YT1' };
    await store.upsert(key, T0 + HOUR);
    await p.heardFromPush(key, false, T0 + 30 * MIN);
    expect((await store.get(key))?.nextPollAt).toBe(T0 + 6.5 * HOUR);
    expect((await store.get(key))?.lastPolledAt).toBeUndefined();
    await p.heardFromPush(key, true, T0 + 40 * MIN);
    expect((await store.get(key))?.active).toBe(false);
    clock.advance(24 * HOUR);
    expect(await p.runDue()).toMatchObject({ polled: 0 });
  });

  it('upsert keeps the earlier due time and reactivates', async () => {
    const key = { carrier: 'yuantong', trackingNo: 'YT1' };
    await store.upsert(key, T0 + HOUR);
    await store.upsert({ ...key, phone: '5678' }, T0 + 2 * HOUR);
    await store.deactivate(key);
    await store.upsert(key, T0 + 3 * HOUR);
    expect(await store.get(key)).toMatchObject({ nextPollAt: T0 + HOUR, phone: '5678', active: true });
  });
});

describe('start and stop', () => {
  it('polls in the background until stopped', async () => {
    const real = await new FakeKuaidi100(Date.now).listen();
    try {
      for (const n of ['S1', 'S2', 'S3']) {
        real.waybills.set(n, { state: '0', data: [transit] });
        await store.upsert({ carrier: 'yuantong', trackingNo: n }, Date.now() - 1000);
      }
      // Idle sleeps end only when the test wakes them (or stop aborts them), so the loop cannot move
      // on by itself; rate-limit waits (no signal) run on real time.
      const idle: Array<() => void> = [];
      let sleeps = 0;
      const clock: PollerClock = {
        now: () => Date.now(),
        sleep: (ms, signal) => {
          sleeps++;
          if (!signal) return new Promise((resolve) => setTimeout(resolve, ms));
          return new Promise((resolve) => {
            if (signal.aborted) return resolve();
            const wake = () => resolve();
            idle.push(wake);
            signal.addEventListener('abort', wake, { once: true });
          });
        },
      };
      const p = new CarrierPoller({
        store,
        client: createKuaidi100QueryClient({ baseUrl: real.baseUrl, customer: real.customer, key: real.key }),
        onTracking: async (polled) => {
          received.push(polled);
        },
        clock,
        idleMs: 10,
        ratePerSecond: 100,
      });
      p.start();
      await expect.poll(() => received.length).toBe(3);
      // A pass found nothing more due and the loop went to sleep.
      await expect.poll(() => idle.length).toBe(1);
      await p.stop();
      const after = real.requests.length;
      const sleepsAtStop = sleeps;
      await store.upsert({ carrier: 'yuantong', trackingNo: 'S4' }, Date.now() - 1000);
      // Every sleep a running loop could be in ends now: a live loop would pass over S4 and sleep again.
      for (const wake of idle.splice(0)) wake();
      await store.get({ carrier: 'yuantong', trackingNo: 'S4' });
      expect(sleeps).toBe(sleepsAtStop);
      expect(idle).toEqual([]);
      expect(real.requests.length).toBe(after);
      expect(after).toBe(3);
    } finally {
      await real.close();
    }
  });
});
