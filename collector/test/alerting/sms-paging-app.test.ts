// On-call paged by SMS through the app's own notification wiring: routes.yaml's oncall receiver with
// a Tencent Cloud SMS channel (pointed at a signature-verifying loopback fake by its endpoint
// variable) texts each number at most max_per_number times; the rest show in
// orderpulse_notification_sms_suppressed_total and the log.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSmsApi, startFakeTencentSms } from '../notify/fake-sms-apis.ts';
import { openTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { copyRules, ev, type Harness, MINUTE, SECOND, startHarness } from './alerting-harness.ts';

const SMS_CHANNEL = `      - kind: tencent_sms
        secret_id_env: ORDERPULSE_TENCENT_SMS_SECRET_ID
        secret_key_env: ORDERPULSE_TENCENT_SMS_SECRET_KEY
        endpoint_env: ORDERPULSE_TENCENT_SMS_ENDPOINT
        sdk_app_id: "1400000001"
        template_id: "1234567"
        sign_name: 订单脉搏
        phone_numbers_env: ORDERPULSE_ONCALL_PHONES
        max_per_number: 1
`;

describe('SMS paging through the app', () => {
  let db: TestDatabase;
  let h: Harness;
  let sms: FakeSmsApi;
  const logs: Record<string, unknown>[] = [];

  beforeAll(async () => {
    db = await openTestDatabase('pglite');
    sms = await startFakeTencentSms('AKIDapp', 'app-secret-key');
    const rulesDir = copyRules();
    const routesPath = path.join(rulesDir, 'routes.yaml');
    const routes = await readFile(routesPath, 'utf8');
    const anchor = '        url_env: ORDERPULSE_WECOM_ONCALL_URL\n';
    await writeFile(routesPath, routes.replace(anchor, `${anchor}${SMS_CHANNEL}`));
    h = await startHarness(db.db, {
      rulesDir,
      env: {
        ORDERPULSE_TENCENT_SMS_SECRET_ID: 'AKIDapp',
        ORDERPULSE_TENCENT_SMS_SECRET_KEY: 'app-secret-key',
        ORDERPULSE_TENCENT_SMS_ENDPOINT: sms.baseUrl,
        ORDERPULSE_ONCALL_PHONES: '+8613800000009',
      },
      logger: {
        level: 'warn',
        stream: new Writable({
          write(chunk, _encoding, done) {
            for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
            done();
          },
        }),
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await sms?.close();
    await db?.dispose();
  });

  it('texts the on-call number once, then counts the next page as suppressed', async () => {
    const t = h.clock.now;
    await h.post([
      ev.order('SMS-1', 'paid', t - 5 * MINUTE, { store_id: 'S1' }),
      ev.order('SMS-2', 'paid', t - 5 * MINUTE, { store_id: 'S2' }),
    ]);
    await h.advance(SECOND);
    await h.advance(31 * SECOND);
    const suppressed = async () => {
      const text = (await h.app.server.inject('/metrics')).body;
      const line = text
        .split('\n')
        .find((l) => l.startsWith('orderpulse_notification_sms_suppressed_total{channel="tencent_sms"}'));
      return line === undefined ? 0 : Number(line.split(' ').at(-1));
    };
    // Two groups (one per store) for one number: one text, one suppressed.
    await expect.poll(suppressed, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => sms.sent.length, { timeout: 10_000 }).toBe(1);
    expect(sms.badSignatures).toBe(0);
    expect(sms.sent[0]).toMatchObject({ phones: ['+8613800000009'], template: '1234567' });
    expect(logs.some((l) => l.channel === 'tencent_sms' && l.suppressed === 1)).toBe(true);
    expect(JSON.stringify(logs)).not.toContain('app-secret-key');
  });
});
