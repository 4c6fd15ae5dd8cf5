// A custom rule taken out of the rules folder takes its alerts with it: on reload the open alert
// resolves (as when its condition ends) and the receiver that was paged is told it resolved, through
// the notifications the app wires itself.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import { ev, type Harness, MINUTE, SECOND, startHarness } from './alerting-harness.ts';

// The supervisor receiver of the shipped routes.yaml; nothing listens there and no delivery is
// awaited: the test reads what is queued in the outbox.
const NOWHERE = 'http://127.0.0.1:9/hook';
const ENV = {
  ORDERPULSE_FEISHU_SUPERVISOR_URL: NOWHERE,
  ORDERPULSE_FEISHU_SUPERVISOR_SECRET: 'secret',
  ORDERPULSE_SMTP_URL: 'smtp://127.0.0.1:9',
};

describe.each(STORE_KINDS)('a removed custom rule (%s)', (kind) => {
  let db: TestDatabase;
  let h: Harness;

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    h = await startHarness(db.db, { env: ENV });
  });
  afterAll(async () => {
    await h?.close();
    await db?.dispose();
  });

  const supervisorRows = async () =>
    (
      await db.db.query<{ status: string }>(
        `SELECT payload->>'status' AS status FROM notification_outbox
          WHERE tier = 'primary' AND receiver = 'supervisor' AND payload->>'rule' = 'large_order'
          ORDER BY id`,
      )
    ).rows.map((r) => r.status);

  it('resolves its open alert on reload and tells the receiver', async () => {
    await h.post([ev.order('BIG-1', 'paid', h.clock.now, { amount_fen: 2_500_000 })]);
    const firing = (await h.alerts('?rule=large_order')).filter((a) => a.entity_id === 'BIG-1');
    expect(firing).toMatchObject([{ status: 'firing' }]);
    await h.advance(SECOND); // the dispatcher sees the group; its group wait (1 m) starts
    await h.advance(MINUTE);
    expect(await supervisorRows()).toEqual(['firing']);

    const file = path.join(h.rulesDir, 'custom', 'priority-orders.yaml');
    const text = fs.readFileSync(file, 'utf8');
    const start = text.indexOf('  - name: large_order');
    expect(start).toBeGreaterThan(0);
    const end = text.indexOf('\n  - name:', start + 1);
    fs.writeFileSync(file, text.slice(0, start) + (end < 0 ? '' : text.slice(end + 1)));
    const status = await h.app.alerting.reloadRules();
    expect(status.ruleSet?.custom.map((r) => r.name)).not.toContain('large_order');

    const resolved = (await h.alerts('?rule=large_order&status=resolved')).filter(
      (a) => a.entity_id === 'BIG-1',
    );
    expect(resolved).toMatchObject([{ status: 'resolved', id: firing[0]!.id }]);
    expect((await h.alerts('?rule=large_order')).filter((a) => a.entity_id === 'BIG-1')).toEqual([]);

    // The resolve goes out after the route's group interval (5 m).
    await h.advance(SECOND);
    await h.advance(5 * MINUTE);
    expect(await supervisorRows()).toEqual(['firing', 'resolved']);
  });
});
