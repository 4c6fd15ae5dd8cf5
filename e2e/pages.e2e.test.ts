// The operators' and managers' pages in real headless Chromium: acknowledging an alert as
// operator (seen live on the wall), silencing from an alert, the audit trail, the order
// drill-down, store trends with CSV export, the reconciliation pool and the rules view.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchBrowser, screenshot } from './support/browser.ts';
import { minutesAgo, orderStatus, payment, shipment } from './support/events.ts';
import { startTarget, type Target } from './support/target.ts';

let browser: BrowserSession;
let target: Target;
let page: Page;

const ORDER = 'S001-ACK-1';

beforeAll(async () => {
  target = await startTarget();
  browser = await launchBrowser();
  await target.ingest([
    orderStatus(ORDER, 'S001', 'created', minutesAgo(9)),
    payment(ORDER, 'S001', 'alipay', minutesAgo(8)),
    orderStatus(ORDER, 'S001', 'paid', minutesAgo(8)),
    shipment(ORDER, 'S001', 'SF', 'created', minutesAgo(7)),
    orderStatus('S002-ACK-2', 'S002', 'paid', minutesAgo(6)),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await target?.close();
});

async function signIn(p: Page, token: string) {
  await p.goto(`${target.url}/#/signin`);
  await p.fill('input[name=token]', token);
  await p.click('button[type=submit]');
  await p.getByTestId('wall').waitFor();
}

describe('operator pages', () => {
  it('acknowledges an alert with a note; the wall sees it change live; the audit trail records it', async () => {
    page = await browser.newPage({ width: 1440, height: 900 });
    await signIn(page, target.tokens.operator);
    const wall = await browser.newPage();
    await wall.goto(target.url);
    const wallRow = wall.locator('[data-testid=wall-alert]', { hasText: ORDER });
    await wallRow.waitFor();
    expect(await wallRow.getAttribute('class')).not.toContain('acked');

    await page.goto(`${target.url}/#/alerts`);
    const row = page.locator(`[data-testid=alert-row]`, { hasText: ORDER });
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('firing');
    await row.getByTestId('ack-open').click();
    await page.getByTestId('ack-note').fill('门店已电话确认，正在补拣货');
    await screenshot(page, 'alerts-ack-form');
    await page.getByTestId('ack-submit').click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('acknowledged');
    await page.locator('[data-testid=audit-row]', { hasText: '门店已电话确认' }).waitFor();

    await expect.poll(() => wallRow.getAttribute('class')).toContain('acked');
    await wall.close();
    await screenshot(page, 'alerts-after-ack');
    expect(browser.errors).toEqual([]);
  });

  it('filters by store and creates a silence from an alert', async () => {
    await page.getByTestId('filter-store').fill('S002');
    const rows = page.getByTestId('alert-row');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('S002-ACK-2');
    await rows.first().getByRole('button', { name: '静默' }).click();
    await page.getByTestId('silence-form').locator('input[placeholder=备注]').fill('促销期间暂不处理');
    await page.getByTestId('silence-form').getByRole('button', { name: '静默' }).click();
    await page.getByRole('status').filter({ hasText: '静默已创建' }).waitFor();
    await page.locator('[data-testid=audit-row]', { hasText: '促销期间暂不处理' }).waitFor();
    expect(browser.errors).toEqual([]);
  });

  it('drills down into an order: one time axis for status, payment and carrier, plus its alerts', async () => {
    await page.goto(`${target.url}/#/orders/${ORDER}`);
    await page.getByTestId('order-facts').waitFor();
    expect(await page.getByTestId('order-facts').textContent()).toContain('S001');
    const events = page.locator('[data-testid=order-events] tbody tr');
    // created, paid (status lane), alipay (payment lane), SF (carrier lane), order_stalled (alert lane)
    await expect.poll(() => events.count()).toBe(5);
    const lanes = await events.locator('td:nth-child(2)').allTextContents();
    expect(new Set(lanes)).toEqual(new Set(['订单状态', '支付', '物流', '告警']));
    const canvas = await page.getByTestId('order-timeline').evaluate((c: HTMLCanvasElement) => c.width);
    expect(canvas).toBeGreaterThan(300);
    await screenshot(page, 'order-drilldown');
    expect(browser.errors).toEqual([]);
  });

  it('shows store trends against the chain average and exports CSV', async () => {
    await page.goto(`${target.url}/#/stores`);
    await page.getByTestId('offenders').waitFor();
    const first = page.locator('[data-testid=offenders] tbody tr').first();
    expect(await first.textContent()).toContain('S003');
    expect(await first.textContent()).toContain('POS-03-2');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-csv').click(),
    ]);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    expect(csv.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe('store_id,day,orders,missing,missing_rate');
    expect(csv).toContain('*chain*');
    await screenshot(page, 'stores');
    expect(browser.errors).toEqual([]);
  });

  it('resolves a reconciliation pool item with a note', async () => {
    await page.goto(`${target.url}/#/reconciliation`);
    const rows = page.getByTestId('pending-row');
    await expect.poll(() => rows.count()).toBe(2);
    await screenshot(page, 'reconciliation');
    const fuzzy = rows.filter({ hasText: '模糊匹配' });
    expect(await fuzzy.textContent()).toContain('S001-A-0042');
    await fuzzy.getByRole('button', { name: '处理' }).click();
    await page.locator('form.resolve select').selectOption('matched');
    await page.locator('form.resolve input').fill('同一笔，POS 订单号录错');
    await page.locator('form.resolve button[type=submit]').click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(browser.errors).toEqual([]);
  });

  it('shows the loaded rules, the validation state and the last change', async () => {
    await page.goto(`${target.url}/?lang=en#/rules`);
    await page.getByTestId('rules-table').waitFor();
    expect(await page.getByTestId('rules-validity').textContent()).toContain('last good rule set');
    expect(await page.getByTestId('rules-table').textContent()).toContain('amount_fen > 50000');
    await screenshot(page, 'rules');
    expect(browser.errors).toEqual([]);
  });

  it('tells a viewer that acknowledging needs the operator role', async () => {
    const viewer = await browser.newPage({ width: 1440, height: 900 });
    await viewer.goto(`${target.url}/?token=${target.tokens.viewer}#/alerts`);
    const row = viewer.locator('[data-testid=alert-row]', { hasText: 'S002-ACK-2' });
    await row.waitFor();
    await row.getByRole('button', { name: '静默' }).click();
    await viewer.getByTestId('silence-form').getByRole('button', { name: '静默' }).click();
    await viewer.getByText('需要操作员权限').waitFor();
    await viewer.close();
    // Chromium logs the refused request itself; nothing else may be logged.
    expect(browser.errors.filter((e) => !/status of 403/.test(e))).toEqual([]);
  });
});
