// Lists for thousands in real headless Chromium: 5,000 open alerts make a grouped alerts page of
// fewer than 100 table rows, a whole group and single alerts are acknowledged from the page (and
// audited), and the order list shows its status board and opens an order's drill-down.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AlertGroupPage } from '../collector/src/wire/alert-groups.ts';
import { type BrowserSession, launchBrowser, screenshot } from './support/browser.ts';
import { minutesAgo, orderStatus } from './support/events.ts';
import { startTarget, type Target } from './support/target.ts';

const STORES = 50;
const PER_STORE = 100;
const OPEN = STORES * PER_STORE;

let browser: BrowserSession;
let target: Target;
let page: Page;

const store = (i: number) => `S${String(i + 1).padStart(3, '0')}`;

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${target.url}${path}`, {
    headers: { authorization: `Bearer ${target.tokens.viewer}` },
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
const groupOf = async (storeId: string) =>
  (await api<AlertGroupPage>(`/v1/alert-groups?store_id=${storeId}`)).groups[0]!;

beforeAll(async () => {
  target = await startTarget();
  browser = await launchBrowser();
  // 5,000 orders paid ten minutes ago and never picked: each opens an order_stalled alert.
  const paidAt = minutesAgo(10);
  const events = Array.from({ length: OPEN }, (_, i) =>
    orderStatus(`LIST-${i}`, store(i % STORES), 'paid', paidAt),
  );
  for (let i = 0; i < events.length; i += 2500) await target.ingest(events.slice(i, i + 2500));
  await vi.waitFor(
    async () => expect((await api<AlertGroupPage>('/v1/alert-groups?limit=1')).total_alerts).toBe(OPEN),
    { timeout: 60_000, interval: 500 },
  );
});

afterAll(async () => {
  await browser?.close();
  await target?.close();
});

describe('lists for thousands', () => {
  it('shows 5,000 open alerts as one page of groups, under 100 table rows', async () => {
    page = await browser.newPage({ width: 1440, height: 900 });
    await page.goto(`${target.url}/?token=${target.tokens.operator}#/alerts`);
    await page.getByTestId('alert-group').first().waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('alert-totals').textContent()).toContain(`${OPEN}`);
    expect(await page.getByTestId('alert-group').count()).toBe(25);
    expect(await page.getByTestId('alert-row').count()).toBe(0);
    expect(await page.locator('tr').count()).toBeLessThan(100);

    // Opening a group shows one page of its alerts; the page stays under 100 rows.
    const first = page.locator('[data-testid=alert-group][data-store=S001]');
    await first.getByTestId('group-toggle').click();
    await expect.poll(() => page.getByTestId('alert-row').count()).toBe(20);
    expect(await page.locator('tr').count()).toBeLessThan(100);
    await screenshot(page, 'alerts-grouped-5000');

    // The next page holds the other 25 groups; the first page comes back with its opened group.
    const stores = () =>
      page.getByTestId('alert-group').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-store')));
    await page.getByTestId('groups-pager-next').click();
    await expect.poll(stores).toEqual(Array.from({ length: 25 }, (_, i) => store(25 + i)));
    expect(await page.locator('tr').count()).toBeLessThan(100);
    await page.getByTestId('groups-pager-first').click();
    await expect.poll(async () => (await stores())[0]).toBe('S001');
    await expect.poll(() => page.getByTestId('alert-row').count()).toBe(20);
    expect(browser.errors).toEqual([]);
  });

  it('acknowledges a whole group from the page with one note, each alert audited', async () => {
    const group = page.locator('[data-testid=alert-group][data-store=S003]');
    await group.getByTestId('group-select').check();
    await expect.poll(() => page.getByTestId('bulk-count').textContent()).toContain(`${PER_STORE}`);
    await page.getByTestId('bulk-note').fill('S003 整店盘点，统一处理');
    await page.getByTestId('bulk-ack').click();
    await page
      .getByRole('status')
      .filter({ hasText: `已确认 ${PER_STORE} 条告警` })
      .waitFor();
    expect(await groupOf('S003')).toMatchObject({ count: PER_STORE, firing: 0, acknowledged: PER_STORE });
    // The other groups are untouched.
    expect(await groupOf('S004')).toMatchObject({ firing: PER_STORE });
    await expect
      .poll(() => group.getByTestId('group-states').textContent())
      .toContain(`0 告警中 / ${PER_STORE} 已确认`);
    const audit = await api<{ entries: { note?: string; target: string }[] }>(
      '/v1/audit?action=alert.ack&limit=1000',
    );
    expect(audit.entries.filter((e) => e.note === 'S003 整店盘点，统一处理')).toHaveLength(PER_STORE);
    expect(browser.errors).toEqual([]);
  });

  it('acknowledges chosen alerts of an opened group', async () => {
    const rows = page.getByTestId('alert-row');
    await expect.poll(() => rows.count()).toBe(20);
    const chosen = [rows.nth(0), rows.nth(1)];
    const ids = await Promise.all(chosen.map((r) => r.getAttribute('data-alert-id')));
    for (const row of chosen) await row.getByTestId('alert-select').check();
    await expect.poll(() => page.getByTestId('bulk-count').textContent()).toContain('2');
    await page.getByTestId('bulk-ack').click();
    await page.getByRole('status').filter({ hasText: '已确认 2 条告警' }).waitFor();
    for (const id of ids) {
      await page
        .locator(`[data-testid=alert-row][data-alert-id="${id}"][data-status=acknowledged]`)
        .waitFor();
    }
    expect(await groupOf('S001')).toMatchObject({ firing: PER_STORE - 2, acknowledged: 2 });
    expect(browser.errors).toEqual([]);
  });

  it('lists orders with a status board, a page at a time, each row opening the drill-down', async () => {
    await page.goto(`${target.url}/?token=${target.tokens.operator}#/orders`);
    await page.getByTestId('order-row').first().waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('order-row').count()).toBe(50);
    await expect.poll(() => page.getByTestId('board-paid').textContent()).toContain(`${OPEN}`);
    await expect.poll(() => page.getByTestId('board-stalled').textContent()).toContain(`${OPEN}`);
    await page.getByTestId('orders-filter-store').fill('S007');
    await expect
      .poll(async () => {
        const stores = await page.locator('[data-testid=order-row] td:nth-child(2)').allTextContents();
        return stores.length > 0 && stores.every((s) => s === 'S007');
      })
      .toBe(true);
    await expect.poll(() => page.getByTestId('board-paid').textContent()).toContain(`${PER_STORE}`);
    const orderIds = () =>
      page.getByTestId('order-row').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-order-id')));
    const first = await orderIds();
    expect(first).toHaveLength(50);
    await page.getByTestId('orders-pager-next').click();
    // The second page: the other 50 of the store's orders, none of the first page's.
    await expect.poll(async () => (await orderIds()).filter((id) => first.includes(id)).length).toBe(0);
    expect(new Set([...first, ...(await orderIds())]).size).toBe(PER_STORE);
    expect(await page.getByTestId('orders-pager-first').isEnabled()).toBe(true);
    await screenshot(page, 'orders-list');
    const row = page.getByTestId('order-row').first();
    const id = await row.getAttribute('data-order-id');
    await row.getByRole('link').click();
    await page.getByTestId('order-facts').waitFor();
    expect(await page.getByTestId('order-facts').textContent()).toContain(id);
    expect(browser.errors).toEqual([]);
  });
});
