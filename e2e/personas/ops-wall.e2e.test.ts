// The operations wall as it hangs in the Shanghai ops room: Chromium in zh-CN and Asia/Shanghai at
// 1920×1080 and at 3840×2160 (device scale 1), against the real collector fed with a busy hour, stalls
// in several stores, shipments and today's WeChat Pay bill, so every figure, chart and list has
// something to show. Nothing may scroll, stick out of its panel or sit on other text, and the
// figures grow with the screen.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchBrowser, screenshot } from '../support/browser.ts';
import { busyHour, expectedOrdersPerMinute, minutesAgo, orderStatus, shipment } from '../support/events.ts';
import { startTarget, type Target } from '../support/target.ts';
import { type BillPayment, wechatTradeBill } from '../support/wechat-bill.ts';

const SCREENS = [
  { name: '1080p', width: 1920, height: 1080 },
  { name: '4k', width: 3840, height: 2160 },
] as const;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

let browser: BrowserSession;
let target: Target;
/** Every event sent, for the figures expected of them. */
let injected: object[] = [];
/** Computed font sizes (px) of the orders figure's value, label and sub line, per screen. */
const fonts: Record<string, { value: number; label: number; sub: number }> = {};

/**
 * Today's bill in China: ten payments of the last minutes (never before today's midnight there), two
 * of them with no order, so today's mismatch figure has a rate to show.
 */
function todaysBill(now: number) {
  const midnightInChina = Math.floor((now + 8 * HOUR_MS) / DAY_MS) * DAY_MS - 8 * HOUR_MS;
  const first = Math.max(midnightInChina + 60_000, now - 20 * 60_000);
  const chinaClock = (ms: number) => new Date(ms + 8 * HOUR_MS).toISOString().slice(0, 19).replace('T', ' ');
  const events: object[] = [];
  const payments: BillPayment[] = [];
  for (let i = 0; i < 10; i++) {
    const at = first + i * 30_000;
    const orderNo = `S002-BILL-${i}`;
    payments.push({
      time: chinaClock(at),
      device: 'POS-S002-1',
      transactionId: `4200BILL${i}`,
      orderNo,
      yuan: '28.00',
    });
    if (i < 2) continue;
    events.push(orderStatus(orderNo, 'S002', 'created', new Date(at - 20_000).toISOString()));
    events.push(orderStatus(orderNo, 'S002', 'paid', new Date(at).toISOString()));
  }
  return { events, bill: wechatTradeBill(payments) };
}

beforeAll(async () => {
  target = await startTarget();
  const now = Date.now();
  const { events, bill } = todaysBill(now);
  // The bill's orders count among the last minute's too: just after midnight in China they are
  // created then.
  injected = [
    ...busyHour(30, 5, now),
    ...events,
    // Paid and never picked, in three stores: stalls on the board and in the top stores.
    ...Array.from({ length: 9 }, (_, i) =>
      orderStatus(`S00${1 + (i % 3)}-WALL-${i}`, `S00${1 + (i % 3)}`, 'paid', minutesAgo(6 + i, now)),
    ),
    // A parcel with no tracking update for three days: a silent shipment.
    orderStatus('S003-SILENT-1', 'S003', 'shipped', minutesAgo(73 * 60, now), 'ZJ'),
    shipment('S003-SILENT-1', 'S003', 'SF', 'in_transit', minutesAgo(72 * 60, now)),
  ];
  await target.ingest(injected);
  const res = await fetch(`${target.url}/v1/bills/wechatpay`, {
    method: 'POST',
    headers: { authorization: `Bearer ${target.tokens.operator}`, 'content-type': 'text/csv' },
    body: bill,
  });
  expect(res.status).toBe(200);
  browser = await launchBrowser({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', deviceScaleFactor: 1 });
});

afterAll(async () => {
  await browser?.close();
  await target?.close();
});

/** Waits until every panel has its data: figures, three charts, provider states, alerts, stores. */
async function waitForFullWall(page: Page): Promise<void> {
  await page.getByTestId('wall').waitFor();
  await expect
    .poll(
      async () =>
        Number(await page.getByTestId('fig-orders-value').textContent()) -
        expectedOrdersPerMinute(injected, Date.now()),
    )
    .toBe(0);
  await expect.poll(() => page.getByTestId('fig-mismatch-value').textContent()).not.toBe('—');
  await expect
    .poll(async () => Number(await page.getByTestId('fig-stalls-value').textContent()))
    .toBeGreaterThan(0);
  await expect.poll(() => page.getByTestId('freshness-source').count()).toBeGreaterThan(0);
  await expect.poll(() => page.getByTestId('callback-state').count()).toBeGreaterThan(0);
  await expect.poll(() => page.getByTestId('wall-alert').count()).toBeGreaterThan(2);
  await expect
    .poll(() => page.locator('.panel.stores li:not(.none), [data-testid=incident]').count())
    .toBeGreaterThan(0);
  for (const id of ['chart-orders', 'chart-callbacks', 'chart-carriers'])
    await expect.poll(() => page.getByTestId(id).count()).toBe(1);
}

/**
 * Every layout fault the wall can have, as sentences: the page scrolling, a box (header, figure,
 * panel) outside the screen, over another box or with content spilling out of it, a run of text
 * leaving its box or lying on another run, a canvas outside its panel. Text is measured by its own
 * line boxes (a Range), so an ellipsis-clipped label counts as leaving its box.
 */
function layoutFaults(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const faults: string[] = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth || root.scrollHeight > root.clientHeight)
      faults.push(
        `page scrolls: ${root.scrollWidth}×${root.scrollHeight} in ${root.clientWidth}×${root.clientHeight}`,
      );
    const screen = new DOMRect(0, 0, window.innerWidth, window.innerHeight);
    const inside = (a: DOMRect, b: DOMRect) =>
      a.left >= b.left - 1 && a.top >= b.top - 1 && a.right <= b.right + 1 && a.bottom <= b.bottom + 1;
    const overlap = (a: DOMRect, b: DOMRect) =>
      Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left)) *
      Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
    const name = (el: Element) =>
      el.getAttribute('data-testid') ?? `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
    const boxes = [...document.querySelectorAll('.wall > header, .figures > .figure, .panel')];
    if (boxes.length < 10) faults.push(`only ${boxes.length} boxes on the wall`);
    boxes.forEach((box, i) => {
      const r = box.getBoundingClientRect();
      if (!inside(r, screen)) faults.push(`${name(box)} leaves the screen`);
      if (box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1)
        faults.push(
          `${name(box)} overflows: ${box.scrollWidth}×${box.scrollHeight} in ${box.clientWidth}×${box.clientHeight}`,
        );
      for (const other of boxes.slice(i + 1))
        if (overlap(r, other.getBoundingClientRect()) > 1)
          faults.push(`${name(box)} overlaps ${name(other)}`);
      const runs: { text: string; rect: DOMRect }[] = [];
      const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent?.trim() ?? '';
        const parent = node.parentElement;
        if (!text || !parent?.checkVisibility({ visibilityProperty: true })) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const rect of range.getClientRects()) if (rect.width > 0) runs.push({ text, rect });
      }
      for (const [j, run] of runs.entries()) {
        if (!inside(run.rect, r)) faults.push(`"${run.text}" sticks out of ${name(box)}`);
        for (const other of runs.slice(j + 1))
          if (overlap(run.rect, other.rect) > 1)
            faults.push(`"${run.text}" lies on "${other.text}" in ${name(box)}`);
      }
      for (const canvas of box.querySelectorAll('canvas'))
        if (!inside(canvas.getBoundingClientRect(), r)) faults.push(`a chart sticks out of ${name(box)}`);
    });
    return faults;
  });
}

describe('the ops wall in Shanghai', () => {
  for (const screen of SCREENS) {
    it(`fills ${screen.width}×${screen.height} with every panel, nothing clipped or overlapping`, async () => {
      const page = await browser.newPage({ width: screen.width, height: screen.height });
      await page.goto(`${target.url}/?token=${target.tokens.viewer}`);
      await waitForFullWall(page);
      expect(
        await page.evaluate(() => [window.innerWidth, window.innerHeight, window.devicePixelRatio]),
      ).toEqual([screen.width, screen.height, 1]);
      // In Chinese, with the time of the room.
      expect(await page.getByTestId('fig-orders').locator('h2').textContent()).toMatch(/[\u4e00-\u9fff]/);
      expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe(
        'Asia/Shanghai',
      );
      for (const id of ['fig-orders', 'fig-lag', 'fig-stalls', 'fig-silent', 'fig-mismatch'])
        expect((await page.getByTestId(`${id}-value`).textContent())?.trim()).not.toBe('');
      for (const id of ['chart-orders', 'chart-callbacks', 'chart-carriers']) {
        const box = (await page.getByTestId(id).boundingBox())!;
        expect(box.width).toBeGreaterThan(screen.width / 4);
        expect(box.height).toBeGreaterThan(screen.height / 12);
      }
      // Every freshness source shown whole, none hidden behind the strip's edge.
      const strip = (await page.getByTestId('freshness').boundingBox())!;
      for (const source of await page.getByTestId('freshness-source').all()) {
        const b = (await source.boundingBox())!;
        expect(b.x + b.width).toBeLessThanOrEqual(strip.x + strip.width + 1);
      }
      fonts[screen.name] = await page.getByTestId('fig-orders').evaluate((el) => {
        const px = (sel: string) => parseFloat(getComputedStyle(el.querySelector(sel)!).fontSize);
        return { value: px('.value'), label: px('h2'), sub: px('.sub') };
      });
      // Taken before the layout is judged, so a failing run keeps the picture of what went wrong.
      await screenshot(page, `ops-wall/${screen.name}-zh-shanghai`);
      expect(await layoutFaults(page)).toEqual([]);
      await page.close();
      expect(browser.errors).toEqual([]);
    });
  }

  it('grows its figures with the screen: readable across the room at 4K', () => {
    const hd = fonts['1080p']!;
    const uhd = fonts['4k']!;
    // Readable at 1080p from a few metres: the figure at least 60 px, its words at least 14 px.
    expect(hd.value).toBeGreaterThanOrEqual(60);
    expect(Math.min(hd.label, hd.sub)).toBeGreaterThanOrEqual(14);
    // Twice the pixels across, about twice the type: not 1080p's sizes lost in the middle of a 4K panel.
    for (const k of ['value', 'label', 'sub'] as const) expect(uhd[k] / hd[k]).toBeGreaterThan(1.8);
  });
});
