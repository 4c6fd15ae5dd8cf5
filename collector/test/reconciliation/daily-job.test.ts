// The daily reconciliation job on an injected clock: it waits for 02:00 local, imports the watched
// folder, reports yesterday, and schedules the next day.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import {
  nextDailyRun,
  parseDailyTime,
  previousLocalDay,
} from '../../src/domain/reconciliation/daily-schedule.ts';
import {
  DailyReconciliationJob,
  type DailyReconciliationReport,
  dailyReportText,
  type Timers,
} from '../../src/reconciliation/daily-reconciliation-job.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, type TestDatabase } from '../support/test-database.ts';

const cst = (local: string) => Date.parse(`${local}+08:00`);

describe('daily schedule', () => {
  it('runs at the next 02:00 local, for the day before', () => {
    const at = { hour: 2, minute: 0 };
    expect(nextDailyRun(cst('2024-06-02T01:59:00'), 'Asia/Shanghai', at)).toBe(cst('2024-06-02T02:00:00'));
    expect(nextDailyRun(cst('2024-06-02T02:00:00'), 'Asia/Shanghai', at)).toBe(cst('2024-06-03T02:00:00'));
    expect(nextDailyRun(cst('2024-06-02T23:00:00'), 'Asia/Shanghai', { hour: 23, minute: 30 })).toBe(
      cst('2024-06-02T23:30:00'),
    );
    expect(previousLocalDay(cst('2024-06-02T02:00:00'), 'Asia/Shanghai')).toBe('2024-06-01');
    // 2024-06-01T20:00Z is already 2024-06-02 in Shanghai
    expect(previousLocalDay(Date.parse('2024-06-01T20:00:00Z'), 'Asia/Shanghai')).toBe('2024-06-01');
    expect(parseDailyTime('02:00')).toEqual({ hour: 2, minute: 0 });
    expect(parseDailyTime('24:00')).toBeUndefined();
  });
});

/** Timers driven by the test's clock: advancing the clock fires what has come due, in order. */
function fakeClock(start: number) {
  let now = start;
  let seq = 0;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers = {
    set: (fn, ms) => {
      const id = ++seq;
      pending.set(id, { at: now + ms, fn });
      return id;
    },
    clear: (id) => {
      pending.delete(id as number);
    },
  };
  return {
    timers,
    now: () => now,
    pendingCount: () => pending.size,
    async advanceTo(target: number, settle: () => Promise<void>) {
      for (;;) {
        const next = [...pending.entries()].sort((a, b) => a[1].at - b[1].at)[0];
        if (!next || next[1].at > target) break;
        now = Math.max(now, next[1].at);
        pending.delete(next[0]);
        next[1].fn();
        await settle();
      }
      now = target;
    },
  };
}

describe('DailyReconciliationJob', () => {
  let store: TestDatabase;
  let app: App;

  beforeAll(async () => {
    store = await openTestDatabase('pglite');
    app = await buildTestApp(store.db);
    const res = await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth('ingest'),
      payload: [
        {
          id: 'o1',
          type: 'order.status',
          occurred_at: '2024-06-01T10:15:00+08:00',
          order_id: 'ORD20240601000123',
          store_id: 'S7',
          status: 'paid',
          amount_fen: 12800,
        },
      ],
    });
    expect(res.statusCode).toBe(202);
  }, 180_000);

  afterAll(async () => {
    await app?.server.close();
    await store?.dispose();
  });

  it('at 02:00 imports the dropped bill, reports yesterday, and schedules tomorrow', async () => {
    const watchDir = mkdtempSync(join(tmpdir(), 'op-drop-'));
    mkdirSync(join(watchDir, 'wechatpay'));
    copyFileSync(
      new URL('../support/fixtures/wechatpay-trade-bill-20col.csv', import.meta.url),
      join(watchDir, 'wechatpay', '1900000001_20240601_ALL.csv'),
    );
    const clock = fakeClock(cst('2024-06-02T00:30:00'));
    const reports: DailyReconciliationReport[] = [];
    let running: Promise<unknown> = Promise.resolve();
    const job = new DailyReconciliationJob({
      db: store.db,
      timeZone: 'Asia/Shanghai',
      watchDir,
      now: clock.now,
      timers: clock.timers,
      send: async (r) => {
        reports.push(r);
      },
      onError: (e) => {
        throw e;
      },
    });
    expect(job.nextRunAt()).toBe(cst('2024-06-02T02:00:00'));
    job.start();
    // settle: let the run (real I/O on PGlite) finish before the clock moves on; the job sets its
    // next timer only once the run is over, so that timer is the signal.
    const settle = async () => {
      await expect.poll(() => clock.pendingCount()).toBe(1);
      await running;
    };
    await clock.advanceTo(cst('2024-06-02T01:59:59'), async () => {});
    expect(reports).toHaveLength(0);
    await clock.advanceTo(cst('2024-06-02T02:00:00'), settle);
    running = job.stop();
    await running;
    expect(reports).toHaveLength(1);
    const report = reports[0]!;
    expect(report.day).toBe('2024-06-01');
    expect(report.imports).toEqual([
      {
        provider: 'wechatpay',
        file: join(watchDir, 'wechatpay', '1900000001_20240601_ALL.csv'),
        rows: 2,
        alreadyImported: false,
      },
    ]);
    expect(report.failures).toEqual([]);
    expect(report.stores).toEqual([
      // The unmatched payment came from POS-7, the till that paid S7's order: S7's missing order.
      {
        storeId: 'S7',
        day: '2024-06-01',
        paymentsTotal: 2,
        ordersTotal: 1,
        unmatchedPayments: 1,
        unmatchedOrders: 0,
      },
    ]);
    expect(report.offenders.map((s) => s.storeId)).toEqual(['S7']);
    expect(report.openPending).toBe(1);
    expect(existsSync(join(watchDir, 'imported', 'wechatpay-1900000001_20240601_ALL.csv'))).toBe(true);
    expect(existsSync(join(watchDir, 'wechatpay', '1900000001_20240601_ALL.csv'))).toBe(false);
    expect(dailyReportText(report).en).toBe(
      'Reconciliation 2024-06-01: 2 payments, 1 unmatched payments, 0 unmatched orders, 1 pending; stores above threshold: S7 50.0%',
    );
  });

  it('schedules the next run for the following night and keeps to it after a run', async () => {
    const clock = fakeClock(cst('2024-06-02T02:00:00'));
    const days: string[] = [];
    const job = new DailyReconciliationJob({
      db: store.db,
      timeZone: 'Asia/Shanghai',
      now: clock.now,
      timers: clock.timers,
      send: async (r) => {
        days.push(r.day);
      },
    });
    expect(job.nextRunAt()).toBe(cst('2024-06-03T02:00:00'));
    job.start();
    // The next timer is set once the run is over.
    const settle = async () => {
      await expect.poll(() => clock.pendingCount()).toBe(1);
    };
    await clock.advanceTo(cst('2024-06-05T03:00:00'), settle);
    await job.stop();
    expect(days).toEqual(['2024-06-02', '2024-06-03', '2024-06-04']);
  });
});
