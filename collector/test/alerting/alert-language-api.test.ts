// GET /v1/alerts renders each alert's summary and rule name from the message catalogue in the
// reader's language: `?lang=` first, then Accept-Language, else Chinese; the structured
// parameters travel with it so a client can render them itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import { byEntity, ev, type Harness, MINUTE, SECOND, startHarness } from './alerting-harness.ts';

const ZH = '订单 LA-1 已收到支付成功通知，但2分钟内未变为已支付';
const EN = 'Order LA-1 received a successful payment notification but was not marked paid within 2 min';

describe.each(STORE_KINDS)('alert language over the API (%s)', (kind) => {
  let store: TestDatabase;
  let h: Harness;

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    h = await startHarness(store.db);
    const t = h.clock.now;
    await h.post([ev.order('LA-1', 'created', t), ev.payment('LA-1', t + SECOND)]);
    await h.advance(2 * MINUTE + 2 * SECOND);
  });
  afterAll(async () => {
    await h?.close();
    await store?.dispose();
  });

  const alertWith = async (query: string, headers: Record<string, string> = {}) => {
    const res = await h.app.server.inject({
      method: 'GET',
      url: `/v1/alerts?rule=payment_unapplied${query}`,
      headers: { ...auth('viewer'), ...headers },
    });
    expect(res.statusCode).toBe(200);
    return byEntity(res.json().alerts, 'payment_unapplied').get('LA-1');
  };

  it('is Chinese by default, with the rule parameters it was rendered from', async () => {
    expect(await alertWith('')).toMatchObject({
      rule_name: '支付未入账',
      summary: ZH,
      summary_zh: ZH,
      summary_message: {
        key: 'summary.payment_unapplied',
        params: { orderId: 'LA-1', limitMs: 120_000 },
      },
    });
  });

  it('is English for ?lang=en and for an English Accept-Language', async () => {
    expect(await alertWith('&lang=en')).toMatchObject({ rule_name: 'Payment unapplied', summary: EN });
    expect(await alertWith('', { 'accept-language': 'en-GB,en;q=0.9,zh;q=0.1' })).toMatchObject({
      summary: EN,
    });
  });

  it('puts ?lang= before Accept-Language, and falls back to Chinese for a language it lacks', async () => {
    expect(await alertWith('&lang=zh-CN', { 'accept-language': 'en' })).toMatchObject({ summary: ZH });
    expect(await alertWith('&lang=en', { 'accept-language': 'zh-CN' })).toMatchObject({ summary: EN });
    expect(await alertWith('', { 'accept-language': 'fr-FR' })).toMatchObject({ summary: ZH });
  });

  it('renders the alerts of an order drill-down the same way', async () => {
    const order = async (query: string) => {
      const res = await h.app.server.inject({
        method: 'GET',
        url: `/v1/orders/LA-1${query}`,
        headers: auth('viewer'),
      });
      expect(res.statusCode).toBe(200);
      return res.json().alerts.find((a: { rule: string }) => a.rule === 'payment_unapplied');
    };
    expect(await order('')).toMatchObject({ summary: ZH, rule_name: '支付未入账' });
    expect(await order('?lang=en')).toMatchObject({ summary: EN, rule_name: 'Payment unapplied' });
  });
});
