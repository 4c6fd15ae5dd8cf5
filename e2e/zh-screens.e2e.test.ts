// "A zh screen shows no English sentence": the alerts page and the reconciliation pool in real
// headless Chromium, fed through the public API with alerts of several rules and a WeChat Pay
// bill, show summaries, reasons and evidence labels from the message catalogue in Chinese; the
// same pages in English do show English sentences, so the check can fail.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchBrowser } from './support/browser.ts';
import { minutesAgo, orderStatus, payment, shipment } from './support/events.ts';
import { startTarget, type Target } from './support/target.ts';
import { reconciliationDay, yesterdayInChina } from './support/wechat-bill.ts';

let browser: BrowserSession;
let target: Target;
let page: Page;

/** Three or more English words in a row; ids and codes (S1-0001, POS-S1-1, GMT+8) hold digits and never match. */
const ENGLISH_RUN = /\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}\b/g;

async function pageText(lang: 'zh' | 'en', route: string, rowTestId: string): Promise<string> {
  const search = lang === 'en' ? '&lang=en' : '';
  await page.goto(`${target.url}/?token=${target.tokens.operator}${search}#/${route}`);
  await page.getByTestId(rowTestId).first().waitFor({ timeout: 30_000 });
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text keeps table cells apart, so words of two cells never read as one run
  return page.locator('main').innerText();
}

beforeAll(async () => {
  target = await startTarget();
  browser = await launchBrowser();
  const { events, bill } = reconciliationDay(yesterdayInChina(), { S1: 2 });
  await target.ingest([
    ...events,
    // payment_unapplied: paid ten minutes ago, the order never marked paid
    orderStatus('ZH-PU-1', 'S1', 'created', minutesAgo(11)),
    payment('ZH-PU-1', 'S1', 'wechatpay', minutesAgo(10)),
    // shipment_anomaly and the shipment_event key event: rejected by the recipient
    orderStatus('ZH-SH-1', 'S2', 'shipped', minutesAgo(30)),
    shipment('ZH-SH-1', 'S2', 'sf', 'rejected', minutesAgo(5)),
  ]);
  const res = await fetch(`${target.url}/v1/bills/wechatpay`, {
    method: 'POST',
    headers: { authorization: `Bearer ${target.tokens.operator}`, 'content-type': 'text/csv' },
    body: bill,
  });
  expect(res.status).toBe(200);
  page = await browser.newPage({ width: 1440, height: 900 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await target?.close();
});

describe('Chinese screens', () => {
  it('the alerts page shows every summary and rule name in Chinese', async () => {
    await expect
      .poll(
        async () => {
          const text = await pageText('zh', 'alerts', 'alert-row');
          return ['支付未入账', '订单卡单', '已收到支付成功通知'].every((s) => text.includes(s));
        },
        { timeout: 60_000, interval: 1_000 },
      )
      .toBe(true);
    const text = await pageText('zh', 'alerts', 'alert-row');
    expect(text.match(ENGLISH_RUN) ?? []).toEqual([]);
    expect(await pageText('en', 'alerts', 'alert-row')).toMatch(ENGLISH_RUN);
  });

  it('the pool shows reasons and evidence in words, money in ¥, times in the business zone', async () => {
    const text = await pageText('zh', 'reconciliation', 'pending-row');
    expect(text).toContain('账单中已支付，但没有订单使用此订单号（漏单）');
    expect(text).toContain('商户订单号');
    expect(text).toContain('支付时间');
    expect(text).toMatch(/¥18\.00/);
    expect(text).toMatch(/\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d（GMT\+8）/);
    expect(text).not.toMatch(/merchant_order_no|paid_at|amount_fen/);
    expect(text.match(ENGLISH_RUN) ?? []).toEqual([]);
    expect(await pageText('en', 'reconciliation', 'pending-row')).toMatch(ENGLISH_RUN);
  });
});
