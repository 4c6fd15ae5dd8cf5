// A deadline fires when it passes, not on the periodic tick: with the period set to an hour (no
// periodic tick can come during the test), an order left `paid` past its limit raises order_stalled
// on its own timer, on the real clock.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { buildApp } from '../../src/app.ts';
import { auth, testConfig } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import { copyRules, ev, HOUR, type WireAlertBody } from './alerting-harness.ts';

const LIMIT_MS = 3_000;

function rulesWithShortPaidLimit(): string {
  const dir = copyRules();
  const rules = path.join(dir, 'rules.yaml');
  fs.writeFileSync(
    rules,
    fs.readFileSync(rules, 'utf8').replace('      paid: 2m', `      paid: ${LIMIT_MS / 1000}s`),
  );
  // No promotion may change that limit, whatever the day the test runs.
  const calendar = path.join(dir, 'calendar.yaml');
  fs.writeFileSync(
    calendar,
    fs.readFileSync(calendar, 'utf8').replace(/^promotions:[\s\S]*$/m, 'promotions: []\n'),
  );
  return dir;
}

describe.each(STORE_KINDS)('deadline wake-up (%s)', (kind) => {
  let db: TestDatabase;
  let app: App;

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    app = await buildApp(testConfig({ ORDERPULSE_RULES_DIR: rulesWithShortPaidLimit() }), {
      db: db.db,
      logger: false,
      alerting: { tickMs: HOUR, watchRules: false },
    });
    await app.server.ready();
  });
  afterAll(async () => {
    await app?.server.close();
    await db?.dispose();
  });

  const stalled = async (orderId: string): Promise<WireAlertBody[]> => {
    const res = await app.server.inject({ method: 'GET', url: '/v1/alerts', headers: auth('viewer') });
    expect(res.statusCode).toBe(200);
    return (res.json().alerts as WireAlertBody[]).filter(
      (a) => a.rule === 'order_stalled' && a.entity_id === orderId,
    );
  };

  it('raises order_stalled at the deadline with no periodic tick', async () => {
    const paidAt = Date.now();
    const res = await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { ...auth('ingest'), 'content-type': 'application/json' },
      payload: JSON.stringify([ev.order('WAKE-1', 'paid', paidAt)]),
    });
    expect(res.statusCode).toBe(202);
    await app.alerting.settled();
    // Only meaningful while the deadline is still ahead (a slow machine may already be past it).
    const before = await stalled('WAKE-1');
    if (Date.now() < paidAt + LIMIT_MS - 500) expect(before).toEqual([]);
    await expect.poll(() => stalled('WAKE-1'), { timeout: 30_000, interval: 200 }).toHaveLength(1);
    expect((await stalled('WAKE-1'))[0]!.status).toBe('firing');
  });
});
