import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createApi } from '../src/lib/api.ts';
import type { StoreDay, StoresReport, StoreTrend } from '../src/lib/api-types.ts';
import { offenderTills, rankOffenders, storesCsv } from '../src/lib/stores-report.ts';

const day = (day: string, payments: number, missing: number): StoreDay => ({
  day,
  payments,
  orders: payments - missing,
  missing,
  unmatched_orders: 0,
  rate: missing / payments,
});

const report: StoresReport = {
  from: '2026-11-01',
  to: '2026-11-02',
  threshold: 0.03,
  min_days: 2,
  stores: [
    {
      store_id: 'S1',
      flagged: false,
      days_flagged: 0,
      devices: [],
      days: [day('2026-11-01', 100, 1), day('2026-11-02', 100, 1)],
    },
    {
      store_id: 'S"2',
      flagged: true,
      days_flagged: 2,
      devices: [{ device_id: 'POS-7', missing: 9, days_flagged: 2, flagged: true }],
      days: [day('2026-11-01', 100, 5), day('2026-11-02', 100, 4)],
    },
  ],
  chain: [
    { day: '2026-11-01', rate: 0.03 },
    { day: '2026-11-02', rate: 0.025 },
  ],
};

describe('stores report', () => {
  it('ranks offenders by average rate and compares them with the chain', () => {
    const ranked = rankOffenders(report);
    expect(ranked.map((o) => o.store.store_id)).toEqual(['S"2', 'S1']);
    expect(ranked[0]!.averageRate).toBeCloseTo(0.045);
    expect(ranked[0]!.vsChain).toBeCloseTo(0.045 / 0.0275);
    expect(ranked[0]!.missing).toBe(9);
  });

  it('exports CSV with quoting', () => {
    const lines = storesCsv(report).trimEnd().split('\r\n');
    expect(lines[0]).toBe('store_id,day,orders,missing,missing_rate');
    expect(lines).toContain('"S""2",2026-11-01,95,5,0.05');
    expect(lines.at(-1)).toBe('*chain*,2026-11-02,,,0.025');
    expect(lines).toHaveLength(1 + 4 + 2);
  });
});

describe('api client', () => {
  it('sends the bearer token, reads the wire bodies, and tells a missing route from a missing thing', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      res.setHeader('content-type', 'application/json');
      if (req.url === '/v1/audit') {
        res.end(
          JSON.stringify({
            entries: [
              {
                id: '7',
                at: '2026-11-01T00:00:00Z',
                actor: 'ops',
                action: 'alert.ack',
                target: 'alert a1',
                details: {},
              },
            ],
          }),
        );
      } else if (req.url === '/v1/orders/nope') {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: 'not_found', message: 'order "nope" was not found' }));
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: 'not_found', message: `${req.method} ${req.url} was not found` }));
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const api = createApi('tok', undefined, base);
      const audit = await api.audit();
      expect(audit).toEqual({
        ok: true,
        data: [
          {
            id: '7',
            at: '2026-11-01T00:00:00Z',
            actor: 'ops',
            action: 'alert.ack',
            target: 'alert a1',
            details: {},
          },
        ],
      });
      const order = await api.order('nope');
      expect(order.ok === false && order.status === 404 && !order.unavailable).toBe(true);
      const rules = await api.rules();
      expect(rules.ok === false && rules.unavailable).toBe(true);
      expect(seen[0]).toBe('GET /v1/audit Bearer tok');
    } finally {
      server.close();
    }
  });
});

describe('offenderTills', () => {
  const store = (devices: StoreTrend['devices']): StoreTrend => ({
    store_id: 'S9',
    flagged: false,
    days_flagged: 0,
    days: [],
    devices,
  });
  const till = (device_id: string, missing: number, flagged = false) => ({
    device_id,
    missing,
    days_flagged: flagged ? 2 : 0,
    flagged,
  });

  it('lists the tills with missing payments, most first, at most three', () => {
    const tills = offenderTills(
      store([till('POS-1', 2), till('POS-2', 0), till('POS-3', 7, true), till('POS-4', 1), till('POS-5', 4)]),
      'no device ID',
    );
    expect(tills).toEqual([
      { name: 'POS-3', missing: 7, flagged: true },
      { name: 'POS-5', missing: 4, flagged: false },
      { name: 'POS-1', missing: 2, flagged: false },
    ]);
  });

  it("names the bill lines without a till in the page's language rather than leaving the name empty", () => {
    expect(offenderTills(store([till('', 5, true), till('POS-1', 3)]), '无设备号')).toEqual([
      { name: '无设备号', missing: 5, flagged: true },
      { name: 'POS-1', missing: 3, flagged: false },
    ]);
  });
});
