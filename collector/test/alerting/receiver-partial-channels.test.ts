// A receiver whose backup channel is not configured still delivers to its primary: with only
// ORDERPULSE_WECOM_ONCALL_URL set, an order_stalled alert reaches a loopback WeCom robot through
// the app's own notification wiring (outbox and worker), and the start-up log names the unset
// backup variable without any secret.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoopbackReceiver, startReceiver } from '../notify/loopback-receiver.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import { ev, type Harness, MINUTE, SECOND, startHarness } from './alerting-harness.ts';

const ROBOT_KEY = 'robot-key-must-not-be-logged';

describe.each(STORE_KINDS)('a receiver with its backup unset (%s)', (kind) => {
  let db: TestDatabase;
  let h: Harness;
  let wecom: LoopbackReceiver;
  const logLines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    wecom = await startReceiver({ status: 200, body: '{"errcode":0,"errmsg":"ok"}' });
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    h = await startHarness(db.db, {
      env: { ORDERPULSE_WECOM_ONCALL_URL: `${wecom.baseUrl}/cgi-bin/webhook/send?key=${ROBOT_KEY}` },
      logger: { level: 'warn', stream },
    });
  });
  afterAll(async () => {
    await h?.close();
    await wecom?.close();
    await db?.dispose();
  });

  it('warns at start, naming the unset backup variables and no secret', () => {
    const warnings = logLines.filter((l) => l.receiver === 'oncall' && l.tier === 'backup');
    expect(warnings.map((l) => l.variable)).toEqual(['ORDERPULSE_DINGTALK_ONCALL_URL']);
    expect(String(warnings[0]!.msg)).toContain('ORDERPULSE_DINGTALK_ONCALL_URL');
    expect(JSON.stringify(logLines)).not.toContain(ROBOT_KEY);
  });

  it('delivers an order_stalled alert to the primary WeCom robot', async () => {
    const t = h.clock.now;
    await h.post([ev.order('STALL-1', 'paid', t - 5 * MINUTE, { store_id: 'S1' })]);
    expect((await h.alerts()).map((a) => a.rule)).toContain('order_stalled');
    await h.advance(SECOND); // the group is planned
    await h.advance(31 * SECOND); // and sent after the root route's group wait
    await expect.poll(() => wecom.requests.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const [request] = wecom.requests;
    expect(request!.url.searchParams.get('key')).toBe(ROBOT_KEY);
    // The rule by its one name (the message catalogue's), and a link to the alert itself.
    const [alert] = (await h.alerts()).filter((a) => a.rule === 'order_stalled');
    const sent = JSON.stringify(request!.json);
    expect(sent).toContain('订单卡单');
    expect(sent).toContain(`#/on-call/${alert!.id}`);
  });
});
