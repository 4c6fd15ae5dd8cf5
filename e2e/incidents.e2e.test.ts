// A WeChat Pay callback outage on the wall, in real Chromium against the real collector whose query
// client asks a loopback WeChat Pay API: 25 orders created while no callback comes, ten of them paid
// at the provider. The wall shows the outage's recovery in Chinese (confirmed by query, applied,
// remaining) with the API's figures, follows the order system as it applies the payments, and the
// callback_silent alert on the Alerts page links to the same figures. A store manager's token sees
// the outage only when it caught that store's orders.
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeWechatPayApi } from '../collector/src/simulator/provider-apis/wechatpay-api.ts';
import type { Incident, IncidentList } from '../collector/src/wire/incidents.ts';
import { type BrowserSession, launchBrowser, screenshot } from './support/browser.ts';
import { minutesAgo, orderStatus, payment } from './support/events.ts';
import { startTarget, type Target } from './support/target.ts';

const MCHID = '1900000109';
const MERCHANT_SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
const ORDERS = Array.from({ length: 25 }, (_, i) => `E-OUT-${String(i + 1).padStart(2, '0')}`);
const PAID = ORDERS.slice(0, 10);

let browser: BrowserSession;
let target: Target;
let wechat: FakeWechatPayApi;
let page: Page;
const S001_VIEWER = 's001-incidents-e2e';
const S002_VIEWER = 's002-incidents-e2e';

beforeAll(async () => {
  const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'op-e2e-incident-'));
  const tokensFile = path.join(dir, 'tokens.yaml');
  fs.writeFileSync(
    tokensFile,
    `tokens:
  - { name: s001, role: viewer, secret: ${S001_VIEWER}, stores: [S001] }
  - { name: s002, role: viewer, secret: ${S002_VIEWER}, stores: [S002] }
`,
  );
  const write = (name: string, key: { export(o: object): string | Buffer }, type: 'pkcs8' | 'spki') => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, key.export({ type, format: 'pem' }).toString());
    return file;
  };
  wechat = new FakeWechatPayApi({
    mchid: MCHID,
    merchantSerial: MERCHANT_SERIAL,
    merchantPublicKey: merchant.publicKey,
    platformPrivateKey: platform.privateKey,
    platformSerial: 'PUB_KEY_ID_0000000000000000000000',
  });
  for (const id of ORDERS) {
    wechat.orders.set(
      id,
      PAID.includes(id)
        ? { state: 'SUCCESS', amountFen: 2800, successTime: minutesAgo(1) }
        : { state: 'NOTPAY', amountFen: 2800 },
    );
  }
  await wechat.listen();
  target = await startTarget({
    env: {
      ORDERPULSE_WECHATPAY_MCHID: MCHID,
      ORDERPULSE_WECHATPAY_MERCHANT_KEY: write('merchant.pem', merchant.privateKey, 'pkcs8'),
      ORDERPULSE_WECHATPAY_MERCHANT_SERIAL: MERCHANT_SERIAL,
      ORDERPULSE_WECHATPAY_PLATFORM_PUBLIC_KEY: write('platform.pem', platform.publicKey, 'spki'),
      ORDERPULSE_WECHATPAY_API_BASE: wechat.baseUrl,
      ORDERPULSE_TOKENS_FILE: tokensFile,
    },
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await target?.close();
  await wechat?.close();
});

async function apiIncident(): Promise<Incident | undefined> {
  const res = await fetch(`${target.url}/v1/incidents`, {
    headers: { authorization: `Bearer ${target.tokens.viewer}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as IncidentList).incidents.find((i) => i.provider === 'wechatpay');
}

const shown = (p: Page, field: string) =>
  p.locator(`[data-testid=incident][data-provider=wechatpay] [data-testid=incident-${field}]`).textContent();

describe('callback outage recovery on the wall', () => {
  it('shows what the queries confirmed while the callbacks are missing, as the API counts it', async () => {
    // The last WeChat Pay callback 12 minutes ago, then orders and no callback.
    await target.ingest([
      payment('E-OUT-00', 'S001', 'wechatpay', minutesAgo(12)),
      ...ORDERS.map((id, i) => orderStatus(id, 'S001', 'created', minutesAgo(9.5 - i * 0.35))),
    ]);
    await expect
      .poll(() => wechat.requests.length, { timeout: 40_000 })
      .toBeGreaterThanOrEqual(ORDERS.length);
    await expect.poll(async () => (await apiIncident())?.confirmed_by_query, { timeout: 30_000 }).toBe(10);

    page = await browser.newPage();
    await page.goto(`${target.url}/?token=${target.tokens.viewer}`);
    const card = page.locator('[data-testid=incident][data-provider=wechatpay]');
    await card.waitFor({ timeout: 30_000 });
    expect(await card.getAttribute('data-open')).toBe('true');
    await expect.poll(() => shown(page, 'confirmed'), { timeout: 30_000 }).toBe('10');
    const api = await apiIncident();
    expect(api).toMatchObject({ open: true, confirmed_by_query: 10, applied: 0, remaining: 10 });
    expect(await shown(page, 'applied')).toBe(String(api!.applied));
    expect(await shown(page, 'remaining')).toBe(String(api!.remaining));
    expect(await card.textContent()).toContain('微信支付 回调中断');
    expect(await card.textContent()).toContain('查询确认已支付');
    expect(browser.errors).toEqual([]);
  });

  it('follows the order system applying the recovered payments', async () => {
    await target.ingest(PAID.slice(0, 4).map((id) => orderStatus(id, 'S001', 'paid', minutesAgo(0.1))));
    await expect.poll(() => shown(page, 'applied'), { timeout: 30_000 }).toBe('4');
    expect(await shown(page, 'remaining')).toBe('6');
    expect(await apiIncident()).toMatchObject({ confirmed_by_query: 10, applied: 4, remaining: 6 });
    await screenshot(page, 'wall-callback-outage-recovery');
    const fits = await page.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight);
    expect(fits).toBe(true);
    expect(browser.errors).toEqual([]);
  });

  it('links the callback_silent alert to the recovery, in English with ?lang=en', async () => {
    const alerts = await browser.newPage();
    await alerts.goto(`${target.url}/?lang=en&token=${target.tokens.viewer}#/alerts`);
    const link = alerts
      .locator('[data-testid=alert-row]', { hasText: 'wechatpay' })
      .getByTestId('incident-link');
    await link.click();
    await alerts.getByTestId('incident').first().waitFor();
    expect(alerts.url()).toContain('#/incidents');
    const card = alerts.locator('[data-testid=incident][data-provider=wechatpay]');
    expect(await card.textContent()).toContain('Confirmed by query');
    expect(await card.getByTestId('incident-confirmed').textContent()).toBe('10');
    expect(await card.getByTestId('incident-applied').textContent()).toBe('4');
    expect(browser.errors).toEqual([]);
  });

  it("shows a store's manager the outage that caught its orders, and the other store's none", async () => {
    const mine = await browser.newPage();
    await mine.goto(`${target.url}/?token=${S001_VIEWER}#/incidents`);
    const card = mine.locator('[data-testid=incident][data-provider=wechatpay]');
    await card.waitFor();
    expect(await card.getByTestId('incident-confirmed').textContent()).toBe('10');
    expect(await card.getByTestId('incident-applied').textContent()).toBe('4');
    const other = await browser.newPage();
    await other.goto(`${target.url}/?token=${S002_VIEWER}#/incidents`);
    await other.getByTestId('incidents').waitFor();
    expect(await other.getByTestId('incident').count()).toBe(0);
    await mine.close();
    await other.close();
    expect(browser.errors).toEqual([]);
  });
});
