// Every "today" and default range follows the collector's business day (ORDERPULSE_TZ), in every
// browser time zone: the stores page in Chromium in New York and in Shanghai, against a collector at
// Asia/Shanghai, at an instant (the collector's and the browsers' clocks fixed to it) when it is
// already the next day in Shanghai but still the day before in New York and in UTC.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../collector/src/app.ts';
import { loadConfig } from '../collector/src/config/load-config.ts';
import type { Database } from '../collector/src/store/database.ts';
import { openDatabase } from '../collector/src/store/open-database.ts';
import { templateDataDir } from '../collector/test/support/pglite-template.ts';
import { launchBrowser, screenshot } from './support/browser.ts';
import { reconciliationDay } from './support/wechat-bill.ts';

const repo = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const TOKENS = {
  viewer: 'viewer-business-day',
  operator: 'operator-business-day',
  ingest: 'ingest-business-day',
};
const DAY_MS = 86_400_000;
// 20:00 UTC two days ago: 04:00 the next morning in Shanghai, 15:00 (EST) the same day in New York.
const AT = Math.floor(Date.now() / DAY_MS - 2) * DAY_MS + 20 * 3_600_000;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const BUSINESS_DAY = utcDay(AT + DAY_MS);
const mmdd = (day: string) => day.slice(5);

let db: Database;
let dataDir: string;
let app: App;
let url: string;

beforeAll(async () => {
  dataDir = await templateDataDir('op-business-day-');
  db = await openDatabase({ databaseUrl: undefined, schema: 'orderpulse', dataDir });
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    ORDERPULSE_TZ: 'Asia/Shanghai',
    ORDERPULSE_INGEST_TOKENS: `pos=${TOKENS.ingest}`,
    ORDERPULSE_VIEWER_TOKENS: `wall=${TOKENS.viewer}`,
    ORDERPULSE_OPERATOR_TOKENS: `ops=${TOKENS.operator}`,
    ORDERPULSE_DASHBOARD_DIR: repo('dashboard/dist'),
    ORDERPULSE_RULES_DIR: repo('alert-rules'),
  });
  app = await buildApp(config, { db, logger: false, alerting: { watchRules: false }, now: () => AT });
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.server.address() as { port: number }).port}`;
  // The business day's bill, so the page has a chart to draw.
  const { events, bill } = reconciliationDay(BUSINESS_DAY, { S2: 1, S3: 2 });
  const ingest = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKENS.ingest}`, 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  expect(ingest.status).toBe(202);
  const res = await fetch(`${url}/v1/bills/wechatpay`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKENS.operator}`, 'content-type': 'text/csv' },
    body: bill,
  });
  expect(res.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await app?.ctx.live?.gateway.close();
  app?.server.server.closeAllConnections();
  await app?.server.close();
  await db?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the business day in every browser time zone', () => {
  it('is what the API calls today', async () => {
    const res = await fetch(`${url}/v1/business-day`, {
      headers: { authorization: `Bearer ${TOKENS.viewer}` },
    });
    expect(await res.json()).toMatchObject({ time_zone: 'Asia/Shanghai', today: BUSINESS_DAY });
  });

  for (const [timezoneId, browserDay] of [
    ['America/New_York', utcDay(AT)],
    ['Asia/Shanghai', BUSINESS_DAY],
  ] as const) {
    it(`ends the stores page's default range and its chart's axis on it, in ${timezoneId}`, async () => {
      const browser = await launchBrowser({ timezoneId, locale: 'zh-CN' });
      try {
        const page = await browser.newPage({ width: 1440, height: 900 });
        await page.clock.setFixedTime(AT);
        await page.goto(`${url}/?token=${TOKENS.viewer}#/stores`);
        // The browser's own calendar says another day in New York: the page must not use it.
        expect(await page.evaluate(() => new Date().toLocaleDateString('en-CA'))).toBe(browserDay);
        const chart = page.getByTestId('stores-chart');
        await chart.waitFor();
        const dates = page.locator('form.range input[type=date]');
        expect(await dates.nth(0).inputValue()).toBe(utcDay(Date.parse(BUSINESS_DAY) - 13 * DAY_MS));
        expect(await dates.nth(1).inputValue()).toBe(BUSINESS_DAY);
        await expect.poll(() => chart.getAttribute('data-x-ticks'), { timeout: 15_000 }).toBeTruthy();
        const ticks = ((await chart.getAttribute('data-x-ticks')) ?? '').split(',');
        expect(ticks.at(0)).toBe(mmdd(utcDay(Date.parse(BUSINESS_DAY) - 13 * DAY_MS)));
        expect(ticks.at(-1)).toBe(mmdd(BUSINESS_DAY));
        await screenshot(page, `stores-${timezoneId.replace('/', '-')}`);
        expect(browser.errors).toEqual([]);
      } finally {
        await browser.close();
      }
    });
  }
});
