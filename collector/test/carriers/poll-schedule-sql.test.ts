// The SQL PollScheduleStore against PGlite and, with TEST_DATABASE_URL, real PostgreSQL; and the
// poller resuming from it after a restart.
import fs from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKuaidi100QueryClient } from '../../src/carriers/kuaidi100-query-client.ts';
import type { PollScheduleStore } from '../../src/carriers/poll-schedule.ts';
import { CarrierPoller } from '../../src/carriers/poller.ts';
import { SqlPollScheduleStore } from '../../src/carriers/sql-poll-schedule.ts';
import type { Database } from '../../src/store/database.ts';
import { openDatabase } from '../../src/store/open-database.ts';
import { templateDataDir } from '../support/pglite-template.ts';
import { dropSchema, STORE_KINDS, type StoreKind, uniqueSchema } from '../support/test-database.ts';
import { FakeClock, FakeKuaidi100 } from './fake-kuaidi100.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2026-06-01T00:00:00Z');

/** A store that can be closed and opened again on the same data, like a collector restart. */
async function reopenableStore(kind: StoreKind) {
  if (kind === 'pglite') {
    const dataDir = await templateDataDir('op-carriers-');
    return {
      open: () => openDatabase({ databaseUrl: undefined, schema: 'orderpulse', dataDir }),
      dispose: () => fs.rm(dataDir, { recursive: true, force: true }),
    };
  }
  const url = process.env.TEST_DATABASE_URL!;
  const schema = uniqueSchema();
  return {
    open: () => openDatabase({ databaseUrl: url, schema }),
    dispose: () => dropSchema(url, schema),
  };
}

describe.each(STORE_KINDS)('SqlPollScheduleStore on %s', (kind) => {
  let store: Awaited<ReturnType<typeof reopenableStore>>;
  let db: Database;
  let schedule: PollScheduleStore;

  // One store per kind (a new PGlite data directory costs seconds); each test starts from an empty table.
  beforeAll(async () => {
    store = await reopenableStore(kind);
    db = await store.open();
  });

  beforeEach(async () => {
    await db.query('TRUNCATE carrier_poll_schedule');
    schedule = new SqlPollScheduleStore(db);
  });

  afterAll(async () => {
    await db.close();
    await store.dispose();
  });

  const key = { carrier: 'yuantong', trackingNo: 'YT1' };

  it('upserts, keeping the earlier due time, the phone and reactivating', async () => {
    await schedule.upsert(key, T0 + HOUR);
    expect(await schedule.get(key)).toEqual({ ...key, nextPollAt: T0 + HOUR, failures: 0, active: true });
    await schedule.upsert({ ...key, phone: '1234' }, T0 + 2 * HOUR);
    await schedule.deactivate(key);
    expect((await schedule.get(key))?.active).toBe(false);
    await schedule.upsert(key, T0 + 30 * MIN);
    expect(await schedule.get(key)).toMatchObject({ nextPollAt: T0 + 30 * MIN, phone: '1234', active: true });
  });

  it('returns due active entries earliest first, up to the limit', async () => {
    await schedule.upsert({ carrier: 'a', trackingNo: '3' }, T0 + 3);
    await schedule.upsert({ carrier: 'a', trackingNo: '1' }, T0 + 1);
    await schedule.upsert({ carrier: 'a', trackingNo: '2' }, T0 + 2);
    await schedule.upsert({ carrier: 'a', trackingNo: 'later' }, T0 + HOUR);
    await schedule.upsert({ carrier: 'a', trackingNo: 'off' }, T0);
    await schedule.deactivate({ carrier: 'a', trackingNo: 'off' });
    expect((await schedule.due(T0 + 10, 10)).map((e) => e.trackingNo)).toEqual(['1', '2', '3']);
    expect((await schedule.due(T0 + 10, 2)).map((e) => e.trackingNo)).toEqual(['1', '2']);
  });

  it('marks polls, keeping the last query time when none is given', async () => {
    await schedule.upsert(key, T0);
    await schedule.markPolled(key, {
      polledAt: T0,
      nextPollAt: T0 + HOUR,
      failures: 2,
      active: true,
      lastError: 'HTTP 502',
    });
    expect(await schedule.get(key)).toMatchObject({ lastPolledAt: T0, failures: 2, lastError: 'HTTP 502' });
    await schedule.markPolled(key, { nextPollAt: T0 + 2 * HOUR, failures: 0, active: true });
    const entry = await schedule.get(key);
    expect(entry).toMatchObject({ lastPolledAt: T0, nextPollAt: T0 + 2 * HOUR, failures: 0 });
    expect(entry?.lastError).toBeUndefined();
  });

  it('resumes after a restart: what was polled is not polled again, the rest is', async () => {
    const clock = new FakeClock(T0);
    const server = await new FakeKuaidi100(clock.now).listen();
    try {
      const transit = { ftime: '2026-06-01 08:00:00', context: '【杭州市】已揽收', status: '揽收' };
      for (let i = 1; i <= 5; i++) {
        server.waybills.set(`W${i}`, { state: '0', data: [transit] });
        await schedule.upsert({ carrier: 'yuantong', trackingNo: `W${i}` }, T0 + i);
      }
      const makePoller = (s: PollScheduleStore) =>
        new CarrierPoller({
          store: s,
          client: createKuaidi100QueryClient({
            baseUrl: server.baseUrl,
            customer: server.customer,
            key: server.key,
          }),
          onTracking: async () => {},
          clock,
          random: () => 0.5,
          batchSize: 2,
          ratePerSecond: 1000,
        });
      clock.advance(10);
      expect(await makePoller(schedule).runDue()).toMatchObject({ polled: 2 });

      await db.close(); // the collector stops …
      db = await store.open(); // … and starts again on the same store
      schedule = new SqlPollScheduleStore(db);
      const restarted = makePoller(schedule);
      expect(await restarted.runDue()).toMatchObject({ polled: 2 });
      expect(await restarted.runDue()).toMatchObject({ polled: 1 });
      expect(await restarted.runDue()).toMatchObject({ polled: 0 });
      expect(server.requests.map((r) => r.num).sort()).toEqual(['W1', 'W2', 'W3', 'W4', 'W5']);

      clock.advance(6 * HOUR);
      let again = 0;
      for (let pass = 0; pass < 3; pass++) again += (await restarted.runDue()).polled;
      expect(again).toBe(5);
    } finally {
      await server.close();
    }
  });

  it('a query cut off by a crash is not repeated within 30 minutes by the next process', async () => {
    const clock = new FakeClock(T0);
    const server = await new FakeKuaidi100(clock.now).listen();
    try {
      server.script('W1', { kind: 'hang' });
      await schedule.upsert({ carrier: 'yuantong', trackingNo: 'W1' }, T0);
      const client = createKuaidi100QueryClient({
        baseUrl: server.baseUrl,
        customer: server.customer,
        key: server.key,
        timeoutMs: 60_000,
      });
      const first = new CarrierPoller({ store: schedule, client, onTracking: async () => {}, clock });
      const inFlight = first.runDue();
      await expect.poll(() => server.requests.length).toBe(1);

      // A second process on the same store while the first one's query hangs (or after it died).
      const second = new CarrierPoller({
        store: new SqlPollScheduleStore(db),
        client,
        onTracking: async () => {},
        clock,
      });
      expect(await second.runDue()).toMatchObject({ polled: 0 });
      clock.advance(29 * MIN);
      expect(await second.runDue()).toMatchObject({ polled: 0 });
      expect(server.requests).toHaveLength(1);

      server.releaseHanging();
      await inFlight;
    } finally {
      await server.close();
    }
  });
});
