// A failing alerting tick is not swallowed: with the alerts table out of reach every timer tick
// fails; each failure is counted in orderpulse_internal_errors_total{component="alerting_tick"},
// the first is logged, and once the table is back the alert is written and recovery is logged.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { buildApp } from '../../src/app.ts';
import { auth, testConfig } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import { copyRules, ev, MINUTE } from './alerting-harness.ts';

const tickErrors = async (app: App): Promise<number> => {
  const text = await app.core.registry.metrics();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('orderpulse_internal_errors_total{component="alerting_tick"}'));
  return line === undefined ? 0 : Number(line.split(' ').pop());
};

describe.each(STORE_KINDS)('alerting tick failures (%s)', (kind) => {
  let db: TestDatabase;
  let app: App;
  const logLines: { msg?: string; level?: number }[] = [];

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    app = await buildApp(testConfig({ ORDERPULSE_RULES_DIR: copyRules() }), {
      db: db.db,
      logger: { level: 'info', stream },
      alerting: { tickMs: 10, watchRules: false },
    });
    await app.server.ready();
  });
  afterAll(async () => {
    await app?.server.close();
    await db?.dispose();
  });

  const logged = (msg: string) => logLines.filter((l) => l.msg === msg).length;

  it('counts every failed tick, logs the first, and logs the recovery', async () => {
    expect(await tickErrors(app)).toBe(0);
    await db.db.query('ALTER TABLE alerts RENAME TO alerts_away');
    const res = await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { ...auth('ingest'), 'content-type': 'application/json' },
      payload: JSON.stringify([ev.order('TICK-1', 'paid', Date.now() - 3 * MINUTE)]),
    });
    expect(res.statusCode).toBe(202);
    await expect.poll(() => tickErrors(app), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    expect(logged('alerting: a tick failed; retrying on every tick')).toBe(1);

    await db.db.query('ALTER TABLE alerts_away RENAME TO alerts');
    await expect.poll(() => logged('alerting: ticks succeed again'), { timeout: 10_000 }).toBe(1);
    const { rows } = await db.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM alerts WHERE rule = 'order_stalled' AND entity_id = 'TICK-1'`,
    );
    expect(rows[0]!.n).toBe(1);
  });
});
