// "A zh screen shows no English sentence": every page in real headless Chromium, fed through the
// public API with alerts of several rules, orders, a WeChat Pay bill and a payment without order
// that a later order explains (an automatic resolution), shows summaries, reasons, evidence and
// times from the message catalogue in Chinese, with no raw UTC time; the same pages in English
// show no Chinese, and the alerts and pool pages do show English sentences, so the check can fail.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchBrowser, screenshot } from './support/browser.ts';
import { minutesAgo, orderStatus, payment, shipment } from './support/events.ts';
import { startTarget, type Target } from './support/target.ts';
import { reconciliationDay, yesterdayInChina } from './support/wechat-bill.ts';

let browser: BrowserSession;
let target: Target;
let page: Page;

/** Three or more English words in a row; ids and codes (S1-0001, POS-S1-1, GMT+8) hold digits and never match. */
const ENGLISH_RUN = /\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}\b/g;
const CHINESE = /[\u4e00-\u9fff]+/g;
const ISO_UTC = /\d{4}-\d\d-\d\dT\d\d:\d\d[^\s]*Z/g;
/** A time as the catalogue shows it: in the business zone (Asia/Shanghai here) with the zone. */
const ZONED_TIME = /(\d{4}\/\d\d\/\d\d|\d\d\/\d\d\/\d{4}) \d\d:\d\d:\d\d ?[（(]GMT\+8[）)]/;

async function pageText(
  lang: 'zh' | 'en',
  route: string,
  rowTestId: string,
  within = 'main',
): Promise<string> {
  const search = lang === 'en' ? '&lang=en' : '';
  await page.goto(`${target.url}/?token=${target.tokens.operator}${search}#/${route}`);
  await page.getByTestId(rowTestId).first().waitFor({ timeout: 90_000 });
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text keeps table cells apart, so words of two cells never read as one run
  return page.locator(within).innerText();
}

async function alertId(rule: string): Promise<string> {
  const res = await fetch(`${target.url}/v1/alerts?rule=${rule}`, {
    headers: { authorization: `Bearer ${target.tokens.operator}` },
  });
  const body = (await res.json()) as { alerts: { id: string; rule: string }[] };
  const alert = body.alerts.find((a) => a.rule === rule);
  if (!alert) throw new Error(`no ${rule} alert yet`);
  return alert.id;
}

beforeAll(async () => {
  target = await startTarget();
  // A browser in New York: times must still read in the business zone (Asia/Shanghai).
  browser = await launchBrowser({ timezoneId: 'America/New_York' });
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
  // S1-0001 was missing from the till (漏单): its order arriving now explains the bill line.
  // At the bill's amount: an order at another amount would be a mismatch for a person, not healed.
  await target.ingest([{ ...orderStatus('S1-0001', 'S1', 'created', minutesAgo(1)), amount_fen: 1800 }]);
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
          const text = await pageText('zh', 'alerts', 'alert-group');
          return ['支付未入账', '订单卡单', '已收到支付成功通知'].every((s) => text.includes(s));
        },
        { timeout: 60_000, interval: 1_000 },
      )
      .toBe(true);
    const text = await pageText('zh', 'alerts', 'alert-group');
    expect(text.match(ENGLISH_RUN) ?? []).toEqual([]);
    expect(await pageText('en', 'alerts', 'alert-group')).toMatch(ENGLISH_RUN);
  }, 240_000);

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
  }, 240_000);
});

/**
 * Every page, the element that says it has loaded, what it is read within, and the words on it that
 * are data as the sender wrote them (a carrier's place names), not the page's language.
 */
const PAGES: [name: string, route: () => Promise<string>, ready: string, within?: string, data?: string[]][] =
  [
    ['wall', async () => '', 'fig-orders', '[data-testid=wall]'],
    // Groups by rule and store, each with its newest alert's summary (a group opens by itself only when few).
    ['alerts', async () => 'alerts', 'alert-group'],
    ['orders', async () => 'orders', 'order-row'],
    // ZH-PU-1: a carrier's own trace (place names in Chinese) is data, shown as the carrier wrote it.
    ['order', async () => 'orders/ZH-PU-1', 'order-events'],
    // A waybill: its state, places and the Kuaidi100 subscription column, in words.
    ['order-shipment', async () => 'orders/ZH-SH-1', 'order-shipments', 'main', ['广州']],
    ['pool', async () => 'reconciliation', 'auto-resolved-row'],
    ['stores', async () => 'stores', 'offenders'],
    // The rules page's tabs are checked below: they show rule files, whose words are their authors'.
    ['incidents', async () => 'incidents', 'incidents'],
    [
      'on-call',
      async () => `on-call/${await alertId('payment_unapplied')}`,
      'oncall-facts',
      '[data-testid=oncall-page]',
    ],
  ];

describe('every page', () => {
  it('the pool lists the automatic resolution, explained in Chinese', async () => {
    await expect
      .poll(async () => (await pageText('zh', 'reconciliation', 'pending-row')).includes('随后到达'), {
        timeout: 60_000,
        interval: 1_000,
      })
      .toBe(true);
    const row = (await page.getByTestId('auto-resolved-row').first().textContent()) ?? '';
    expect(row).toContain('订单 S1-0001 随后到达');
    expect(row).toContain('订单事件');
    expect(row).not.toMatch(/order_event|arrived later/);
  }, 240_000);

  it.each(PAGES)(
    '%s in Chinese: no English sentence, no UTC time',
    async (_, route, ready, within) => {
      const text = await pageText('zh', await route(), ready, within);
      expect(text.match(ENGLISH_RUN) ?? []).toEqual([]);
      expect(text.match(ISO_UTC) ?? []).toEqual([]);
    },
    240_000,
  );

  it.each(PAGES)(
    '%s in English: no Chinese, no UTC time',
    async (_, route, ready, within, data = []) => {
      // The language switch names the other language in its own words (中文), as language menus do.
      const text = ['中文', ...data].reduce(
        (rest, word) => rest.replaceAll(word, ''),
        await pageText('en', await route(), ready, within),
      );
      expect(text.match(CHINESE) ?? []).toEqual([]);
      expect(text.match(ISO_UTC) ?? []).toEqual([]);
    },
    240_000,
  );

  it.each(['zh', 'en'] as const)(
    'the rules page and its editor tabs in %s: only the rule files and notes (as written) are left out',
    async (lang) => {
      const search = lang === 'en' ? '&lang=en' : '';
      await page.goto(`${target.url}/?token=${target.tokens.operator}${search}#/rules`);
      const ready: Record<string, string> = {
        overview: 'rules-table',
        custom: 'rule-field',
        builtin: 'builtin-rule',
        promotions: 'promotion',
        history: 'version-row',
      };
      for (const [tab, testid] of Object.entries(ready)) {
        await page.getByTestId(`tab-${tab}`).click();
        await page.getByTestId(testid).first().waitFor({ timeout: 90_000 });
        // What is shown verbatim (YAML, conditions, notes, the checker's words) is hidden while reading.
        const text = await page.locator('main').evaluate((main: HTMLElement) => {
          const verbatim = [...main.querySelectorAll<HTMLElement>('[data-verbatim]')];
          for (const el of verbatim) el.style.display = 'none';
          // biome-ignore lint/performance/useDomNodeTextContent: the rendered text keeps table cells apart and leaves hidden elements out
          const seen = main.innerText;
          for (const el of verbatim) el.style.display = '';
          return seen;
        });
        if (lang === 'zh') expect(text.match(ENGLISH_RUN) ?? [], tab).toEqual([]);
        else expect(text.replaceAll('中文', '').match(CHINESE) ?? [], tab).toEqual([]);
        expect(text.match(ISO_UTC) ?? [], tab).toEqual([]);
      }
      if (lang === 'zh') await screenshot(page, 'rules-zh-history');
    },
    240_000,
  );

  it('times read in the business zone with the zone shown, though the browser is in New York', async () => {
    expect(await pageText('zh', 'orders', 'order-row')).toMatch(ZONED_TIME);
    const facts = await pageText(
      'en',
      `on-call/${await alertId('payment_unapplied')}`,
      'oncall-facts',
      '[data-testid=oncall-facts]',
    );
    expect(facts).toMatch(ZONED_TIME);
    expect(browser.errors).toEqual([]);
  }, 240_000);
});
